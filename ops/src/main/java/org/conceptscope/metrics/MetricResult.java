package org.conceptscope.metrics;

import java.util.Arrays;
import java.util.Map;

/**
 * One metric on one batch: a value per image (AUC, correlation), their mean, and for curve
 * metrics the curve per image. Curve point j of an image with P points lies at fraction
 * j / (P - 1) of the pixels; scalar metrics have no curves (empty rows). Metadata says what was
 * measured: metric, attribution method, parameters, seed.
 */
public record MetricResult(String metric, int[] targets, double[] values, double mean, double[][] curves,
	Map<String, String> metadata) {

	public MetricResult {
		if (targets.length != values.length || curves.length != values.length) {
			throw new IllegalArgumentException("A metric result needs one target, one value and one curve per image; got "
				+ targets.length + ", " + values.length + " and " + curves.length + ".");
		}
		targets = targets.clone();
		values = values.clone();
		curves = deepCopy(curves);
		metadata = Map.copyOf(metadata);
	}

	@Override
	public int[] targets() {
		return targets.clone();
	}

	@Override
	public double[] values() {
		return values.clone();
	}

	@Override
	public double[][] curves() {
		return deepCopy(curves);
	}

	private static double[][] deepCopy(double[][] a) {
		return Arrays.stream(a).map(double[]::clone).toArray(double[][]::new);
	}
}
