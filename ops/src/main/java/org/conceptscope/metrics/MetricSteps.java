package org.conceptscope.metrics;

import java.util.concurrent.CancellationException;

import org.conceptscope.util.Progress;

/** Progress reporting of the metric loops. */
final class MetricSteps {

	private MetricSteps() {}

	/** Reports progress; throws when the listener asks to stop. */
	static void report(Progress progress, long done, long total, String metric) {
		if (!progress.report(done, total, metric)) {
			throw new CancellationException(metric + " cancelled after " + done + " of " + total + " model evaluations.");
		}
	}
}
