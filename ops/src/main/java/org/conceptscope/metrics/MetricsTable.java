package org.conceptscope.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Metric results as plain rows (metric, method, image, target, value), one per image and a
 * "mean" row per result: what a results table or CSV file shows.
 */
public record MetricsTable(List<String> columns, List<List<String>> rows) {

	public static final List<String> COLUMNS = List.of("metric", "method", "image", "target", "value");

	public MetricsTable {
		columns = List.copyOf(columns);
		rows = rows.stream().map(List::copyOf).toList();
	}

	public static MetricsTable of(List<MetricResult> results) {
		List<List<String>> rows = new ArrayList<>();
		for (MetricResult r : results) {
			String method = r.metadata().getOrDefault("method", "");
			int[] targets = r.targets();
			double[] values = r.values();
			for (int i = 0; i < values.length; i++) {
				rows.add(List.of(r.metric(), method, Integer.toString(i), Integer.toString(targets[i]), number(values[i])));
			}
			rows.add(List.of(r.metric(), method, "mean", "", number(r.mean())));
		}
		return new MetricsTable(COLUMNS, rows);
	}

	private static String number(double v) {
		return String.format(Locale.ROOT, "%.6g", v);
	}
}
