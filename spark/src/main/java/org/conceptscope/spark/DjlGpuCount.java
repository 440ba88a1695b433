package org.conceptscope.spark;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.RegexFilter;

/**
 * DJL asks the CUDA runtime for GPUs at every engine start; on a machine with a CUDA toolkit and no GPU (or no driver)
 * it warns "Failed to detect GPU count" each time. ConceptScope's engines are CPU builds, so no GPU is expected: that
 * one message of that one logger is dropped, in code, wherever ConceptScope starts (the launcher's main, the Spark
 * session once started, every task's model), so that a cluster's own log4j2 configuration, which the launcher's file
 * does not reach, drops it too. The logger's level and appenders stay as the configuration in force says (a logger
 * config of its own is added only to carry the filter, inheriting both); DJL's other warnings, and every other
 * logger, are untouched. Does nothing where log4j2's core is not the logging backend.
 */
final class DjlGpuCount {

	/** The logger DJL warns with, and the message dropped (as the launcher's log4j2 file names them). */
	static final String LOGGER = "ai.djl.util.cuda.CudaUtils", MESSAGE = "Failed to detect GPU count: .*";

	private DjlGpuCount() {}

	/** Adds the filter to the configuration in force, once (a reconfiguration, e.g. Spark's at its start, drops it: call again). */
	static void drop() {
		try {
			if (!(LogManager.getContext(false) instanceof LoggerContext context)) return;
			Configuration config = context.getConfiguration();
			LoggerConfig own = config.getLoggers().get(LOGGER);
			if (own != null && own.getFilter() != null && ours(own.getFilter())) return;
			Filter filter = RegexFilter.createFilter(MESSAGE, null, false, Filter.Result.DENY, Filter.Result.NEUTRAL);
			if (own == null) {
				// level null: the nearest configured ancestor's; additive: its appenders, as before
				LoggerConfig parent = config.getLoggerConfig(LOGGER);
				own = new LoggerConfig(LOGGER, null, true);
				own.setParent(parent);
				own.addFilter(filter);
				config.addLogger(LOGGER, own);
			} else {
				own.addFilter(filter);
			}
			context.updateLoggers();
		} catch (Exception | LinkageError e) {
			// another logging backend, or a log4j2 without these classes: the message shows, nothing else changes
		}
	}

	private static boolean ours(Filter filter) {
		if (filter instanceof RegexFilter regex) return regex.toString().contains(MESSAGE);
		if (filter instanceof org.apache.logging.log4j.core.filter.CompositeFilter composite) {
			for (Filter f : composite.getFiltersArray()) if (ours(f)) return true;
		}
		return false;
	}
}
