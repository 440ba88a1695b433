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
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve(Demo.IMAGE).toString());
		Path folder = Files.createDirectories(work.resolve("patches"));
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
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		String[] args = { "input=" + folder, "model=" + TestFiles.testImages().resolve("models/ihc-stain"), "save_dir=" + work.resolve("out"),
			"method=saliency", "batch=2" };
		// parts of 2: patch-01 + patch-02, patch-03 + slice 1 of patch-09, slices 2-3, slice 4
		String log = Printed.during(() -> assertEquals(0, Batch.run(args, err, err, null), text.toString(StandardCharsets.UTF_8)));
		assertEquals(1, count(log, WARNING), log);
		assertTrue(log.contains(WARNING + " 'patch-09.tif' (slice 1) is far from what the model was trained on")
			|| log.contains(WARNING + " 'patch-09.tif'"), log);
		assertTrue(log.contains("(4 of the 4 slices checked are far.)"), "the whole stack checked once: " + log);
		assertFalse(log.contains("patch-01"), "the flat background patch is like the training patches: " + log);
	}
}
