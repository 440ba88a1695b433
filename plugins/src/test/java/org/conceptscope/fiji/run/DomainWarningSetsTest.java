package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ImageProcessor;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;

/**
 * The set form of the out-of-domain warning with the IHC stain model's card: one line per set, named
 * after its first far image, with how many of the set are far; the same far images again give no
 * second line, while a set that adds a far image to one already named gets its own.
 */
class DomainWarningSetsTest {

	@Test
	void oneLinePerSetOfFarImagesAndNoneForTheSameImagesAgain() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		ImagePlus near = new ImagePlus("near", patches.getStack().getProcessor(1).duplicate());
		ImagePlus a = negative(patches, 1, "a"), b = negative(patches, 2, "b");
		try (Classifier model = Models.open(TestFiles.testImages().resolve("models/ihc-stain"))) {
			List<String> log = new ArrayList<>();
			assertNull(Models.warnDomain(List.of(near), model, log::add), "a held-out patch is in the model's domain");
			Models.warnDomain(List.of(near, a), model, log::add);
			assertEquals(1, log.size(), log.toString());
			assertTrue(log.get(0).startsWith("ConceptScope warning: The image 'a' is far from what the model was trained on"), log.get(0));
			assertTrue(!log.get(0).contains(" images checked are far"), "one far image: no count " + log.get(0));
			Models.warnDomain(List.of(a), model, log::add);
			assertEquals(1, log.size(), "the same far image again: no second line " + log);
			Models.warnDomain(List.of(a, near, b), model, log::add);
			assertEquals(2, log.size(), "a set with another far image: its own line " + log);
			assertTrue(log.get(1).startsWith("ConceptScope warning: The image 'a' is far"), log.get(1));
			assertTrue(log.get(1).endsWith("(2 of the 3 images checked are far.)"), log.get(1));
			Models.warnDomain(List.of(b, a), model, log::add);
			assertEquals(2, log.size(), "the same far images in another order: no second line " + log);
		}
	}

	/**
	 * A far stack first in a set: its slices' count and the set's share one parenthesis, closing the
	 * sentence once; alone, the stack keeps its slices' count.
	 */
	@Test
	void aFarStackInASetGetsOneParenthesisForBothCounts() throws Exception {
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		ij.ImageStack stack = new ij.ImageStack(patches.getWidth(), patches.getHeight());
		for (int z = 1; z <= 4; z++) {
			ImageProcessor ip = patches.getStack().getProcessor(z).duplicate();
			if (z % 2 == 1) ip.invert(); // slices 1 and 3 far
			stack.addSlice(ip);
		}
		ImagePlus half = new ImagePlus("half", stack), b = negative(patches, 5, "b2");
		ImagePlus near = new ImagePlus("near2", patches.getStack().getProcessor(6).duplicate());
		try (Classifier model = Models.open(TestFiles.testImages().resolve("models/ihc-stain"))) {
			List<String> log = new ArrayList<>();
			Models.warnDomain(List.of(half), model, log::add);
			Models.warnDomain(List.of(half, near, b), model, log::add);
			assertEquals(2, log.size(), log.toString());
			assertTrue(log.get(0).startsWith("ConceptScope warning: The image 'half' (slice 1) is far"), log.get(0));
			assertTrue(log.get(0).endsWith("staining. (2 of the 4 slices checked are far.)"), log.get(0));
			assertEquals(log.get(0).replace("far.)", "far; 2 of the 3 images checked are far.)"), log.get(1));
			assertEquals(Models.farFromDomain(half, model).replace("far.)", "far; 3 of the 9 images checked are far.)"),
				Models.withSetCount(Models.farFromDomain(half, model), "3 of the 9 images checked are far"),
				"InputWarnings' far line (batch runner, Spark jobs): a stack's slice count kept, the set's appended");
			assertEquals("The image 'b2' is far. (2 of the 3 images checked are far.)",
				Models.withSetCount("The image 'b2' is far.", "2 of the 3 images checked are far"), "a single image's sentence");
		}
	}

	private static ImagePlus negative(ImagePlus patches, int slice, String title) {
		ImageProcessor ip = patches.getStack().getProcessor(slice).duplicate();
		ip.invert();
		return new ImagePlus(title, ip);
	}
}
