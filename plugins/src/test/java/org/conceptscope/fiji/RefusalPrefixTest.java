package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import ij.Macro;

import org.conceptscope.fiji.ij1.ConceptScope_;
import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused macro line names its command once: the reporter puts "ConceptScope &lt;command&gt;: " before
 * the sentence (on the console under {@code -batch}, in the Log, as the dialog's title), so the
 * sentence itself does not name the command again. Every command of the registry, through the
 * ImageJ 1.x plugin as a macro runs it, and TCAV and Feature Visualization in a fresh ImageJ run
 * with {@code -batch}, as a user runs a macro from a shell.
 */
class RefusalPrefixTest {

	@TempDir
	static Path work;

	private static final Path MODEL = TestFiles.testImages().resolve("models/ihc-stain"),
		PNG = TestFiles.testImages().resolve("images/ihc.png"), FOLDER = TestFiles.testImages().resolve("images");

	/** What the ImageJ 1.x plugin's reporter puts before a refusal's sentence, with the command's menu label and ": ". */
	private static final String REPORTER = "ConceptScope ";

	/** A bad setting per command, refused before any model pass (most before the model loads). */
	private static Map<CommandSpec, String> badSettings() {
		String m = "model=[" + MODEL + "] ", image = "image=[" + PNG + "] ", out = " save_dir=[" + work.resolve("out") + "]";
		Map<CommandSpec, String> bad = new LinkedHashMap<>();
		bad.put(CommandSpecs.ATTRIBUTION, image + m + "method=smoothgrad samples=1000000");
		bad.put(CommandSpecs.MODEL_INFO, "model=[" + work.resolve("no-model") + "]");
		bad.put(CommandSpecs.CONCEPT_DISCOVERY, m + "folder=[" + FOLDER + "] designs=1000000" + out);
		bad.put(CommandSpecs.CONCEPT_LOCALIZATION, image + m + "concepts=[" + work.resolve("none.json") + "]");
		bad.put(CommandSpecs.EVALUATE_EXPLANATION, image + m + "steps=1000000");
		bad.put(CommandSpecs.SHARING_RATIO_DECOMPOSITION, image + m + "top_fraction=2");
		bad.put(CommandSpecs.CONCEPT_GRAPH, m + "folder=[" + FOLDER + "] steps=1000000" + out);
		bad.put(CommandSpecs.TRAIN_INTERPRETABLE_HEAD, m + "folder=[" + FOLDER + "] concepts=100000" + out);
		bad.put(CommandSpecs.EXPLAIN_WITH_HEAD, image + m + "head=[" + work.resolve("no-head") + "]");
		bad.put(CommandSpecs.FEATURE_VISUALIZATION, image + m + "target=predicted");
		bad.put(CommandSpecs.CONCEPT_IMPORTANCE, image + m + "concepts=[" + work.resolve("none.json") + "] designs=1000000");
		bad.put(CommandSpecs.TCAV, m + "random=[" + FOLDER + "] runs=1000000");
		bad.put(CommandSpecs.NEAREST_EXAMPLES, image + m + "folder=[" + work.resolve("no-folder") + "]");
		return bad;
	}

	@AfterEach
	void resetAbort() throws ReflectiveOperationException {
		Field f = Macro.class.getDeclaredField("abort");
		f.setAccessible(true);
		f.setBoolean(null, false);
	}

	@Test
	void everyCommandsRefusalNamesTheCommandOnce() throws Exception {
		Map<CommandSpec, String> bad = badSettings();
		assertEquals(CommandSpecs.ALL, List.copyOf(bad.keySet()), "a bad setting for every command of the registry");
		for (CommandSpec spec : CommandSpecs.ALL) {
			for (String options : List.of(bad.get(spec), bad.get(spec) + " colour=red")) {
				String sentence = runPlugin(spec, options).strip();
				assertFalse(sentence.isEmpty(), spec.command() + " " + options + " is refused");
				// as the reporter says it (PluginErrors: the console under -batch, the Log, the dialog's title)
				String said = REPORTER + spec.title() + ": " + sentence;
				assertEquals(1, count(said, spec.title()), "the command named once: " + said);
			}
		}
	}

	@Test
	void theUnknownKeySentenceListsEveryKeyAMacroMayGive() throws Exception {
		for (CommandSpec spec : CommandSpecs.ALL) {
			String printed = runPlugin(spec, "model=[" + MODEL + "] colour=red");
			boolean readsAnImage = CommandSpecs.imageInput(spec) != null;
			List<String> keys = new ArrayList<>(readsAnImage ? List.of(CommandSpecs.IMAGE) : List.of());
			keys.addAll(spec.keys());
			String line = "Unknown option 'colour'; the keys are: " + String.join(" ", keys) + ".";
			assertEquals(List.of(line), printed.lines().filter(l -> l.contains("'colour'")).toList(), printed);
			// image= is a key exactly where the plugin takes it: given to a command that reads no image, it is the unknown one
			String withImage = runPlugin(spec, "image=[" + PNG + "] model=[" + MODEL + "] colour=red");
			assertEquals(readsAnImage ? 0 : 1, count(withImage, "Unknown option 'image'"), withImage);
		}
	}

	/**
	 * Fresh ImageJ JVMs running macro files with {@code -batch} (no ImageJ window; Xvfb gives the display -batch needs): the refusal is the
	 * console's one line, the command named once, and the run ends with a failure status.
	 */
	@Test
	void underBatchTheConsoleLineNamesTheCommandOnce() throws Exception {
		XServer.assumeAvailable(); // ImageJ's -batch needs a display (ImageJ builds its menus for run())
		String m = "model=[" + MODEL + "] ";
		Map<String, String> macros = new LinkedHashMap<>();
		macros.put("TCAV: runs", "run('TCAV...', '" + m + "random=[" + FOLDER + "] runs=1000000');\nprint('still running');\n");
		macros.put("TCAV: unknown key", "run('TCAV...', '" + m + "random=[" + FOLDER + "] runz=3');\nprint('still running');\n");
		macros.put("Feature Visualization: no class", "run('Feature Visualization...', 'image=[" + PNG + "] " + m + "');\nprint('still running');\n");
		Map<String, String> consoles = new LinkedHashMap<>();
		Map<String, Integer> statuses = new LinkedHashMap<>();
		try (XServer server = XServer.start(work.resolve("xvfb.txt"))) {
			for (Map.Entry<String, String> e : macros.entrySet()) {
				Path macro = Files.writeString(work.resolve(e.getKey().replaceAll("\\W+", "-") + ".ijm"), e.getValue());
				Path console = work.resolve(macro.getFileName() + ".txt");
				statuses.put(e.getKey(), server.runImageJ(work, ij.ImageJ.class, List.of("-batch", macro.toString()), console, 2));
				consoles.put(e.getKey(), Files.readString(console));
			}
		}
		for (Map.Entry<String, String> e : macros.entrySet()) {
			String text = consoles.get(e.getKey());
			int status = statuses.get(e.getKey());
			String title = e.getKey().split(":")[0];
			// the title, as Fiji's SciJava commands say it (not the menu label "TCAV...")
			List<String> refusal = text.lines().filter(l -> l.startsWith("ConceptScope " + title + ": ")).toList();
			assertEquals(1, refusal.size(), e.getKey() + ":\n" + text);
			System.out.println("-batch, " + e.getKey() + ": " + refusal.get(0)); // for the test log
			assertEquals(1, count(refusal.get(0), title), refusal.get(0));
			assertFalse(text.contains("still running"), "the macro stops: " + text);
			assertEquals(1, status, "a failure status: " + text);
			if (e.getKey().endsWith("unknown key")) {
				assertTrue(refusal.get(0).contains("Unknown option 'runz'; the keys are: " + CommandSpecs.IMAGE + " model "), refusal.get(0));
			}
			if (e.getKey().endsWith("runs")) assertTrue(refusal.get(0).contains(": runs=1000000 is more than 100000"), refusal.get(0));
		}
	}

	/**
	 * Fiji's path under {@code -batch}: a macro's line with an unknown key, through the SciJava command's real preprocessors in a
	 * fresh JVM whose ImageJ arguments say -batch. The sentence is said once, by the reporter, with the command's title as the
	 * ImageJ 1.x plugin says it; the run ends with a failure status. (The command's log said it first, as "[ERROR] ...".)
	 */
	@Test
	void underBatchASciJavaCommandsRefusalIsSaidOnce() throws Exception {
		List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-Djava.awt.headless=true",
			"-cp", System.getProperty("java.class.path"), org.conceptscope.fiji.command.BatchRefusalChild.class.getName(),
			"model=[" + MODEL + "] colour=red");
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		assertTrue(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES), text);
		assertEquals(1, count(text, "Unknown option 'colour'"), text);
		assertTrue(text.lines().anyMatch(l -> l.startsWith("ConceptScope Attribution: Unknown option 'colour'; the keys are: ")), text);
		assertFalse(text.contains("still running"), "the macro stops: " + text);
		assertEquals(1, p.exitValue(), text);
	}

	/** What the ImageJ 1.x plugin printed (headless, its Log and error messages) running with these macro options. */
	private static String runPlugin(CommandSpec spec, String options) throws InterruptedException {
		String[] printed = { "" };
		// ImageJ hands macro options to a plugin on a thread of this name
		Thread t = new Thread(() -> {
			Macro.setOptions(options);
			try {
				printed[0] = Printed.during(() -> new ConceptScope_().run(spec.page().replace(".md", "")));
			} finally {
				Macro.setOptions(null);
			}
		}, "Run$_refusal");
		t.start();
		t.join();
		return printed[0];
	}

	private static int count(String text, String word) {
		return text.split(Pattern.quote(word), -1).length - 1;
	}
}
