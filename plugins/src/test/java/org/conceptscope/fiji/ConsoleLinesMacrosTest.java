package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the console shows of a ConceptScope command run by a macro in ImageJ 1.x (no ImageJ window,
 * as {@code java -jar ij.jar -batch}: progress lines on standard error, the Log on standard output),
 * line by line: the "No image is open" advice works in this path ({@code image=<file>}, the file
 * only read, not shown); a folder image the model cannot take is one line with one command prefix,
 * naming it as the folder's; a success is said once, its accuracy rounded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleLinesMacrosTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;
	private Path model, png, images, classes;
	private byte[] pngBefore;

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		model = TestFiles.testImages().resolve("models/ihc-stain");
		images = TestFiles.testImages().resolve("images"); // RGB images and CT_small.dcm, one channel
		png = Files.copy(images.resolve("ihc.png"), work.resolve("ihc.png"));
		pngBefore = Files.readAllBytes(png);
		classes = work.resolve("ihc-classes");
		org.conceptscope.testmodels.LabelledPatchFolders.ihcFiles(classes, 12);
		String m = "model=[" + model + "] ";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("no image", new Macro("run('Attribution...', '" + m + "method=saliency');\nprint('still running');\n", ""));
		runs.put("image file", new Macro("run('Attribution...', 'image=[" + png + "] " + m + "method=saliency save_dir=[" + work.resolve("attr")
			+ "]');\nfor (i = 1; i <= nImages; i++) { selectImage(i); print('open: ' + getTitle()); }\nclose('*');\n", ""));
		runs.put("localization file", new Macro("run('Concept Localization...', 'image=[" + png + "] " + m + "concepts=[" + work.resolve("none.json")
			+ "]');\nprint('still running');\n", ""));
		runs.put("head image", new Macro("run('Train Interpretable Head...', 'image=[" + png + "] " + m + "folder=[" + classes
			+ "]');\nprint('still running');\n", ""));
		runs.put("examples folder", new Macro("setBatchMode(true); open('" + png + "');\nrun('Nearest Examples...', '" + m + "folder=[" + images
			+ "] save_dir=[" + work.resolve("examples-bad") + "]');\nprint('still running');\n", ""));
		runs.put("discovery folder", new Macro("setBatchMode(true);\nrun('Concept Discovery...', '" + m + "folder=[" + images + "] save_dir=["
			+ work.resolve("discovery-bad") + "]');\nprint('still running');\n", ""));
		runs.put("train", new Macro("setBatchMode(true);\nrun('Train Interpretable Head...', '" + m + "folder=[" + classes
			+ "] head=infodisent steps=20 prototypes=2 save_dir=[" + work.resolve("head") + "]');\nclose('*');\n", ""));
		runs.put("maco", new Macro("setBatchMode(true); open('" + png + "');\nrun('Feature Visualization...', '" + m + "target=[DAB-positive] steps=3 save_dir=["
			+ work.resolve("maco") + "]');\nclose('*');\n", ""));
		runs.put("examples", new Macro("setBatchMode(true); open('" + png + "');\nrun('Nearest Examples...', '" + m + "folder=[" + classes
			+ "/DAB-positive] neighbours=2 prototypes=1 save_dir=[" + work.resolve("examples") + "]');\nclose('*');\n", ""));
		logs = MacroRunner.run(runs, work);
		Path kept = Files.createDirectories(Path.of("target", "console-lines")); // for a look when an assertion fails
		for (Map.Entry<String, String> e : logs.entrySet()) Files.writeString(kept.resolve(e.getKey().replace(' ', '-') + ".txt"), e.getValue());
	}

	/** The lines that hold {@code text}. */
	private List<String> lines(String run, String text) {
		return logs.get(run).lines().filter(l -> l.contains(text)).toList();
	}

	@Test
	void theNoImageAdviceWorksInPlainImageJ() throws Exception {
		String advice = "No image is open: open an image or stack first (File > Open), or give its file with the command's options,"
			+ " image=[<path of an image file>] (if you did, ImageJ could not read that file: check that it opens in ImageJ, or convert it to TIFF).";
		// headless, ImageJ says a macro's error as "Macro Error: <sentence> in line n" (with -batch: "ConceptScope <command>: <sentence>")
		assertEquals(List.of("Macro Error: " + advice + " in line 1"), lines("no image", "No image is open"), logs.get("no image"));
		assertFalse(logs.get("no image").contains("still running"), "the macro is aborted");

		// following it: image=<file> explains the file, which is only read and not shown
		String run = logs.get("image file");
		assertFalse(run.contains("has no option"), run);
		assertTrue(Files.isRegularFile(work.resolve("attr/ihc-saliency.tif")), TestFiles.names(work.resolve("attr")) + "\n" + run);
		// the results (the map, the class map of a tiled image) are open, the file is not
		assertEquals(List.of("open: ihc-ihc-stain-classes", "open: ihc-saliency"), lines("image file", "open: "), run);
		assertArrayEquals(pngBefore, Files.readAllBytes(png), "the user's file is unchanged");

		// every command that reads an image takes image=; the others refuse it as any unknown key
		assertEquals(List.of(), lines("localization file", "has no option"), logs.get("localization file"));
		assertTrue(logs.get("localization file").contains("none.json"), "it went on to the concepts: " + logs.get("localization file"));
		assertEquals(1, lines("head image", "Unknown option 'image'; the keys are: model ").size(), logs.get("head image"));
	}

	@Test
	void aFolderImageTheModelCannotTakeIsOneLineWithOnePrefix() {
		String sentence = "'CT_small.dcm', one of the images of the folder " + images + ", has 1 channel(s), but the model takes 3 (an RGB image"
			+ " has 3, a composite one per channel): move it out of the folder, or give a folder of images of the kind the model was trained on.";
		for (String run : List.of("examples folder", "discovery folder")) {
			String log = logs.get(run);
			assertEquals(List.of("Macro Error: " + sentence + " in line 2"), lines(run, "CT_small.dcm"), log);
			assertEquals(List.of(), lines(run, "failed."), "no second line: " + log);
			assertFalse(log.contains("still running"), log);
		}
	}

	@Test
	void aSuccessIsSaidOnceItsAccuracyRounded() {
		String train = logs.get("train");
		List<String> said = lines("train", "held-out accuracy");
		assertEquals(1, said.size(), train);
		assertTrue(said.get(0).matches("ConceptScope infodisent head: held-out accuracy [01]\\.\\d{3} \\(backbone [01]\\.\\d{3}\\), saved in "
			+ java.util.regex.Pattern.quote(work.resolve("head").toString()) + "\\S*\\."), said.get(0));
		assertTrue(lines("train", "Train Interpretable Head: ").stream().allMatch(l -> l.contains("%")), "progress lines only: " + train);

		assertEquals(1, lines("maco", "MACO DAB-positive: target score").size(), logs.get("maco"));
		assertEquals(1, lines("examples", "nearest example(s)").size(), logs.get("examples"));
	}
}
