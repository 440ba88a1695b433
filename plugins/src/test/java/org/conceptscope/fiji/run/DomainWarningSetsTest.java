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

	private static ImagePlus negative(ImagePlus patches, int slice, String title) {
		ImageProcessor ip = patches.getStack().getProcessor(slice).duplicate();
		ip.invert();
		return new ImagePlus(title, ip);
	}
}
