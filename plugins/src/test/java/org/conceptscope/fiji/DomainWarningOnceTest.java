package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageProcessor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.run.Demo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The out-of-domain warning as the demo and the batch runner give it: the bundled patches (held-out
 * patches of ihc.png, the first a flat background patch like many training patches) are in the IHC
 * stain model's domain; a negative patch is not, and is named once, in a folder run whose probe,
 * parts and files would each have named it before; a negative stack run in several parts is named
 * once.
 */
class DomainWarningOnceTest {

	@TempDir
	static Path work;

	static final String WARNING = "ConceptScope warning: The image";

	static int count(String log, String what) {
		return log.split(java.util.regex.Pattern.quote(what), -1).length - 1;
	}

	@Test
	void theDemosPatchesGetNoWarning() {
		String log = Printed.during(() -> {
			try {
				Demo.run(TestFiles.testImages(), work.resolve("demo"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
		assertFalse(log.contains("far from what the model was trained on"), log);
	}

	@Test
	void theBatchRunnerWarnsOncePerFarInputFile() throws Exception {
		Path folder = patches(work.resolve("patches"));
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		String[] args = { "input=" + folder, "model=" + TestFiles.testImages().resolve("models/ihc-stain"), "save_dir=" + work.resolve("out"),
			"method=saliency", "batch=2" };
		// parts of 2: patch-01 + patch-02, patch-03 + slice 1 of patch-09, slices 2-3, slice 4 + patch-10
		String printed = Printed.during(() -> assertEquals(0, Batch.run(args, err, err, null), text.toString(StandardCharsets.UTF_8)));
		String log = text.toString(StandardCharsets.UTF_8);
		assertEquals(0, count(printed, WARNING), "not on ImageJ's Log (stdout headless), where the runner's result paths are: " + printed);
		// one line for the run, on the runner's stderr: the first far file's sentence and how many of the files are far
		assertEquals(1, count(log, WARNING), log);
		assertTrue(log.contains(WARNING + " 'patch-09.tif' (slice 1) is far from what the model was trained on"), log);
		assertTrue(log.contains("(4 of the 4 slices checked are far; 2 of the 5 images checked are far.)"), "the whole stack checked once: " + log);
		assertFalse(log.contains("patch-01"), "the flat background patch is like the training patches: " + log);
	}

	/** patch-01 to -03 (held-out patches), patch-09 (a stack of four negative patches) and patch-10 (one negative patch). */
	private static Path patches(Path at) throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve(Demo.IMAGE).toString());
		Path folder = Files.createDirectories(at);
		for (int z = 1; z <= 3; z++) {
			ImagePlus one = new ImagePlus("patch-0" + z, patches.getStack().getProcessor(z).duplicate());
			assertTrue(IJ.saveAsTiff(one, folder.resolve(String.format("patch-%02d.tif", z)).toString()));
		}
		ImageStack negatives = new ImageStack(patches.getWidth(), patches.getHeight());
		for (int z = 1; z <= 4; z++) {
			ImageProcessor ip = patches.getStack().getProcessor(z).duplicate();
			ip.invert();
			negatives.addSlice("negative " + z, ip);
		}
		assertTrue(new ij.io.FileSaver(new ImagePlus("patch-09", negatives)).saveAsTiffStack(folder.resolve("patch-09.tif").toString()));
		assertTrue(IJ.saveAsTiff(new ImagePlus("patch-10", negatives.getProcessor(2).duplicate()), folder.resolve("patch-10.tif").toString()));
		return folder;
	}

	/**
	 * With rois= the run explains only the inputs that have ROIs: its warnings count those (here 3 of the 5 files), not the
	 * inputs it gives no row.
	 */
	@Test
	void aRoiRunsWarningsCountOnlyTheInputsWithRois() throws Exception {
		Path folder = patches(work.resolve("patches-rois")), roiDir = Files.createDirectories(work.resolve("rois"));
		for (String name : new String[] { "patch-01", "patch-09", "patch-10" }) {
			assertTrue(ij.io.RoiEncoder.save(new ij.gui.Roi(4, 4, 16, 16), roiDir.resolve(name + ".roi").toString()));
		}
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		String[] args = { "input=" + folder, "model=" + TestFiles.testImages().resolve("models/ihc-stain"), "save_dir=" + work.resolve("out-rois"),
			"method=saliency", "batch=2", "rois=" + roiDir };
		Printed.during(() -> assertEquals(0, Batch.run(args, err, err, null), text.toString(StandardCharsets.UTF_8)));
		String log = text.toString(StandardCharsets.UTF_8);
		assertEquals(1, count(log, WARNING), log);
		assertTrue(log.contains("2 of the 3 images checked are far.)"), "patch-02 and patch-03 have no ROIs: " + log);
	}

	/**
	 * The commands that take a set of images (a folder, class subfolders) as their samples name the
	 * far ones in one Log line for the set, as users run them (macros in ImageJ 1.x): the first far
	 * image in the folder's order and how many of the images are far, a large negative image (a mosaic
	 * of four negative patches, last in the folder) checked once as a whole, not tile by tile, also
	 * when it is the current image of Evaluate Explanation; a folder of the bundled patches gets no line.
	 */
	@Test
	void theSampleCommandsNameTheFarImagesOfASetInOneLine() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve(Demo.IMAGE).toString());
		Path near = Files.createDirectories(work.resolve("near")), mixed = Files.createDirectories(work.resolve("mixed"));
		Path classes = work.resolve("classes");
		for (int z = 1; z <= 4; z++) {
			ImageProcessor ip = patches.getStack().getProcessor(z).duplicate();
			assertTrue(IJ.saveAsTiff(new ImagePlus("p", ip.duplicate()), near.resolve("patch-0" + z + ".tif").toString()));
			assertTrue(IJ.saveAsTiff(new ImagePlus("p", ip.duplicate()), mixed.resolve("patch-0" + z + ".tif").toString()));
			Path cls = Files.createDirectories(classes.resolve(z <= 2 ? "background" : "hematoxylin"));
			assertTrue(IJ.saveAsTiff(new ImagePlus("p", ip.duplicate()), cls.resolve("patch-0" + z + ".tif").toString()));
			if (z <= 2) {
				ImageProcessor negative = ip.duplicate();
				negative.invert();
				assertTrue(IJ.saveAsTiff(new ImagePlus("n", negative.duplicate()), mixed.resolve("neg-0" + z + ".tif").toString()));
				assertTrue(IJ.saveAsTiff(new ImagePlus("n", negative), cls.resolve("neg-0" + z + ".tif").toString()));
			}
		}
		assertTrue(IJ.saveAsTiff(new ImagePlus("l", negativeMosaic(patches)), mixed.resolve("z-big-negative.tif").toString()));
		Path model = TestFiles.testImages().resolve("models/ihc-stain");
		String discovery = "run('Concept Discovery...', 'model=[" + model + "] target=background concepts=2 designs=2 examples=1 save_dir=[";
		java.util.Map<String, MacroRunner.Macro> runs = new java.util.LinkedHashMap<>();
		runs.put("near", new MacroRunner.Macro("setBatchMode(true);\n" + discovery + work.resolve("d-near") + "] folder=[" + near + "]');\n", ""));
		runs.put("mixed", new MacroRunner.Macro("setBatchMode(true);\n" + discovery + work.resolve("d-mixed") + "] folder=[" + mixed + "]');\n", ""));
		runs.put("tiles", new MacroRunner.Macro("setBatchMode(true);\nopen('" + mixed.resolve("z-big-negative.tif") + "');\nrun('Evaluate"
			+ " Explanation...', 'model=[" + model + "] method=saliency metric=deletion steps=4 save_dir=[" + work.resolve("ev-tiles") + "]');\n", ""));
		runs.put("classes", new MacroRunner.Macro("setBatchMode(true);\nopen('" + near.resolve("patch-01.tif") + "');\nrun('Nearest Examples...', 'model=["
			+ model + "] folder=[" + classes + "] neighbours=2 prototypes=1 save_dir=[" + work.resolve("e-classes") + "]');\n", ""));
		java.util.Map<String, String> logs = MacroRunner.run(runs, work);
		for (String log : logs.values()) assertFalse(log.contains("Error"), log);
		assertEquals(0, count(logs.get("near"), "far from what the model"), logs.get("near"));
		String mixedLog = logs.get("mixed");
		assertEquals(1, count(mixedLog, WARNING), mixedLog);
		assertTrue(mixedLog.contains(WARNING + " 'neg-01.tif' is far from what the model was trained on"), "the first far file: " + mixedLog);
		assertTrue(mixedLog.contains("'z-big-negative.tif' (64x64) is larger than the model's input"), mixedLog);
		String tilesLog = logs.get("tiles");
		assertEquals(1, count(tilesLog, WARNING), tilesLog);
		assertTrue(tilesLog.contains(WARNING + " 'z-big-negative.tif' is far from what the model was trained on"), "checked as a whole: " + tilesLog);
		assertTrue(tilesLog.contains("its 2x2 tiles of 32x32 without overlap are taken as 4 images"), tilesLog);
		assertTrue(mixedLog.contains("(3 of the 7 images checked are far.)"), "the large image counts once, with the 4 patches and 2 negatives: "
			+ mixedLog);
		String classesLog = logs.get("classes");
		assertEquals(1, count(classesLog, WARNING), classesLog);
		assertTrue(classesLog.contains("neg-01.tif' is far from what the model was trained on"), "the first far image of the classes: " + classesLog);
		assertTrue(classesLog.contains("(2 of the 6 images checked are far.)"), classesLog);
	}

	/** A 64x64 image of the negatives of the first four patches, two by two: larger than the model's input, far from its domain. */
	static ImageProcessor negativeMosaic(ImagePlus patches) {
		ImageProcessor out = patches.getProcessor().createProcessor(64, 64);
		for (int z = 1; z <= 4; z++) {
			ImageProcessor ip = patches.getStack().getProcessor(z).duplicate();
			ip.invert();
			out.insert(ip, (z - 1) % 2 * 32, (z - 1) / 2 * 32);
		}
		return out;
	}
}
