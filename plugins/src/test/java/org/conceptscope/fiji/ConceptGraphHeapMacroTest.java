package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Graph on more images than Java's heap can hold the activations of, as a user meets it: a
 * macro in a fresh ImageJ of 320 MB heap, 2400 patches of the bundled IHC model at layers conv1/relu
 * (32 x 32 x 16 values per image) and conv2/relu. Their fit alone holds about 0.48 GB (two copies of
 * conv1/relu's activations, each position's weights and concept coefficients): the run is refused in
 * one sentence, with the images that fit and the -Xmx to give, before any bank is fitted; nothing is
 * written. Before the check the run went on and lost itself to an OutOfMemoryError part-way.
 */
class ConceptGraphHeapMacroTest {

	@TempDir
	Path work;

	@Test
	void tooManyImagesForTheHeapAreRefusedBeforeAnyWork() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		ImageStack many = new ImageStack(patches.getWidth(), patches.getHeight());
		for (int i = 0; i < 2400; i++) many.addSlice(patches.getStack().getProcessor(1 + i % patches.getStackSize()).duplicate());
		Path stack = work.resolve("patches-2400.tif");
		IJ.saveAsTiff(new ImagePlus("patches-2400", many), stack.toString());
		Path model = TestFiles.testImages().resolve("models/ihc-stain"), out = work.resolve("graph");
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("graph", new Macro("setBatchMode(true);\nopen('" + stack + "');\nrun('Concept Graph...', 'model=[" + model
			+ "] layers=[conv1/relu,conv2/relu] concepts=4 samples=300 steps=8 examples=2 save_dir=[" + out + "]');\n", ""));
		String log = MacroRunner.run(runs, work, "-Xmx320m").get("graph");
		Matcher m = Pattern.compile("The graph over 2400 images at layers \\[conv1/relu, conv2/relu\\] \\(layer 'conv1/relu' gives 32 x 32 x 16"
			+ " values per image\\) needs about (?:3[5-9]|4[0-9]|5[0-4])[0-9](?:\\.[0-9]+)? MB of Java's heap for their activations and concept coefficients,"
			+ " more than the [0-9.]+ MB it has free of the [23][0-9]{2} MB Java may use: give fewer images \\(at most ([0-9]+) fit; a smaller folder= or stack\\),"
			+ " other layers \\(layers=, deeper ones hold fewer values per image\\), or give Java more memory \\(-Xmx([0-9]+)g or more;").matcher(log);
		assertTrue(m.find(), log);
		int fit = Integer.parseInt(m.group(1));
		assertTrue(fit > 100 && fit < 2400, "images that fit: " + fit);
		assertTrue(Integer.parseInt(m.group(2)) >= 1, log);
		assertFalse(log.contains("OutOfMemory") || log.contains("out of memory"), log);
		assertFalse(Files.exists(out) && Files.list(out).findAny().isPresent(), "nothing written");
	}
}
