package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.conceptscope.fiji.command.AttributionCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.Context;
import org.scijava.console.ConsoleService;
import org.scijava.log.LogLevel;
import org.scijava.log.LogService;
import org.scijava.startup.StartupService;

/**
 * A typo in the arguments of {@code ImageJ --headless --run "<command>" "k='v',..."} (the issue's
 * hold-out case: SciJava answered "No such input" with a stack trace): one sentence naming the key
 * and the keys there are, no stack trace in the log or on the console, nothing written.
 */
class BadInputConsoleTest {

	@TempDir
	Path out;

	@Test
	void anUnknownKeyOfARunIsNamedWithoutAStackTrace() throws Exception {
		Path testImages = TestFiles.testImages(), save = out.resolve("results");
		List<String> errors = new CopyOnWriteArrayList<>();
		List<Throwable> traces = new CopyOnWriteArrayList<>();
		PrintStream stderr = System.err;
		ByteArrayOutputStream console = new ByteArrayOutputStream();
		Context context = new Context();
		try {
			context.service(LogService.class).addLogListener(m -> {
				if (m.level() <= LogLevel.ERROR) errors.add(String.valueOf(m.text()));
				if (m.throwable() != null) traces.add(m.throwable());
			});
			System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
			String args = "image='" + testImages.resolve("images/ihc-heldout-patches.tif") + "',model='" + testImages.resolve("models/ihc-stain")
				+ "',stepz='3',save_dir='" + save + "'";
			context.service(ConsoleService.class).processArgs("--headless", "--run", AttributionCommand.class.getName(), args);
			context.service(StartupService.class).executeOperations();
		} finally {
			System.setErr(stderr);
			context.dispose();
		}
		String text = String.join("\n", errors) + "\n" + console.toString(StandardCharsets.UTF_8);
		assertTrue(errors.stream().anyMatch(e -> e.contains("stepz") && e.contains("steps")), "names the key and the keys there are: " + text);
		assertEquals(List.of(), traces.stream().map(String::valueOf).toList(), "no exception attached to the log: " + text);
		assertFalse(text.contains("\tat ") || text.contains("Exception"), "no stack trace: " + text);
		assertFalse(Files.exists(save), "nothing written");
	}
}
