package org.conceptscope.fiji.ij1;

import org.conceptscope.fiji.Printed;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.Macro;

import java.lang.reflect.Field;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ImageJ 1.x plugins end every failure the same way: out of memory and unexpected exceptions
 * (TensorFlow's) are caught like a user's mistake, reported in one sentence (printed headless) with
 * the stack trace only in the Log, and a calling macro is aborted.
 */
class PluginTasksTest {

	@AfterEach
	void resetAbort() throws ReflectiveOperationException {
		abortFlag().setBoolean(null, false);
	}

	@Test
	void unexpectedFailuresAndOutOfMemoryAreOneSentenceAndAbortTheMacro() throws Exception {
		String printed = capture(() -> PluginTasks.run("Attribution", "model=[/m]", progress -> {
			throw new ai.djl.engine.EngineException("Session run failed: Incompatible shapes");
		}));
		assertTrue(printed.contains("Stopped on an unexpected EngineException (Session run failed: Incompatible shapes);"
			+ " nothing was written, and the details are in the Log."), printed);
		assertTrue(printed.contains("at org.conceptscope.fiji.ij1.PluginTasksTest"), "the trace is in the Log: " + printed);
		assertTrue(abortFlag().getBoolean(null), "the calling macro is aborted");

		abortFlag().setBoolean(null, false);
		printed = capture(() -> PluginTasks.run("Attribution", "model=[/m]", progress -> {
			throw new OutOfMemoryError("Java heap space");
		}));
		assertTrue(printed.contains("Ran out of memory"), printed);
		assertFalse(printed.contains("\tat "), "no trace for out of memory: " + printed);
		assertTrue(abortFlag().getBoolean(null));
	}

	private static String capture(Runnable r) {
		return org.conceptscope.fiji.Printed.during(r); // headless, IJ.log and IJ.error print
	}

	private static Field abortFlag() throws NoSuchFieldException {
		Field f = Macro.class.getDeclaredField("abort");
		f.setAccessible(true);
		return f;
	}
}
