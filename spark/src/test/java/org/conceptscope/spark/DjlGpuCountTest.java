package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringWriter;
import java.util.List;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;

/**
 * DJL's "Failed to detect GPU count" warning is dropped in code, whatever log4j2 configuration is in force (a cluster's
 * own, which the launcher's file never reaches): DJL logs through SLF4J to Spark's log4j2, as on an executor. Before
 * {@link DjlGpuCount#drop()} the configuration in force shows it; after, it does not, while DJL's other warnings (the
 * same logger's) and other loggers' warnings still show; calling again adds nothing; a reconfiguration (Spark's at its
 * start) drops the filter, and the next call adds it again.
 */
class DjlGpuCountTest {

	@Test
	void onlyTheGpuCountWarningIsDroppedUnderTheConfigurationInForce() {
		LoggerContext context = (LoggerContext) LogManager.getContext(false);
		try {
			context.reconfigure(); // the configuration in force (the test JVM's, as a cluster's conf/log4j2.properties would be)
			StringWriter seen = capture(context);
			assertEquals(List.of("WARN CudaUtils: Failed to detect GPU count: CUDA driver version is insufficient for CUDA runtime version (35)",
				"WARN CudaUtils: No GPU device found: 100 (no CUDA-capable device is detected)", "WARN Other: Failed to detect GPU count: kept"),
				logged(seen), "shown before");

			DjlGpuCount.drop();
			DjlGpuCount.drop();
			seen = capture(context);
			assertEquals(List.of("WARN CudaUtils: No GPU device found: 100 (no CUDA-capable device is detected)",
				"WARN Other: Failed to detect GPU count: kept"), logged(seen), "only that message of that logger is dropped");
			LoggerConfig own = context.getConfiguration().getLoggers().get(DjlGpuCount.LOGGER);
			assertEquals(context.getConfiguration().getRootLogger().getLevel(), own.getLevel(), "the level stays the configuration's");
			assertEquals(false, own.getFilter() instanceof org.apache.logging.log4j.core.filter.CompositeFilter, "one filter, however many calls");

			context.reconfigure();
			seen = capture(context);
			assertEquals(3, logged(seen).size(), "a reconfiguration drops the filter");
			DjlGpuCount.drop();
			seen = capture(context);
			assertEquals(2, logged(seen).size(), "and the next call adds it again");
		} finally {
			context.reconfigure();
		}
	}

	/** An appender of the test's on the root logger, at WARN, and the three warnings logged through SLF4J. */
	private static StringWriter capture(LoggerContext context) {
		Configuration config = context.getConfiguration();
		StringWriter out = new StringWriter();
		WriterAppender appender = WriterAppender.newBuilder().setName("test-" + System.nanoTime()).setTarget(out)
			.setLayout(PatternLayout.newBuilder().withPattern("%p %c{1}: %m%n").build()).build();
		appender.start();
		config.getRootLogger().getAppenders().keySet().forEach(config.getRootLogger()::removeAppender);
		config.getRootLogger().addAppender(appender, org.apache.logging.log4j.Level.WARN, null);
		config.getRootLogger().setLevel(org.apache.logging.log4j.Level.WARN);
		context.updateLoggers();
		org.slf4j.Logger djl = org.slf4j.LoggerFactory.getLogger(DjlGpuCount.LOGGER);
		djl.warn("Failed to detect GPU count: {} ({})", "CUDA driver version is insufficient for CUDA runtime version", 35);
		djl.warn("No GPU device found: {} ({})", 100, "no CUDA-capable device is detected");
		org.slf4j.LoggerFactory.getLogger("org.example.Other").warn("Failed to detect GPU count: kept");
		return out;
	}

	private static List<String> logged(StringWriter out) {
		return out.toString().lines().toList();
	}
}
