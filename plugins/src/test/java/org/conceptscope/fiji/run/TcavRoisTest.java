package org.conceptscope.fiji.run;

import org.conceptscope.fiji.TestFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ByteProcessor;

import java.util.List;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tcav.Tcav;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Named ROIs as concept examples: each ROI's bounding box on its own slice, resized to the model's
 * input; ROIs with one name make one concept; an unnamed ROI or a lone one is one sentence.
 */
class TcavRoisTest {

	static TensorFlowClassifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(org.conceptscope.fiji.TestFiles.testImages().resolve("models").resolve("known-answer"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	/** 4 slices of 32 x 32; slice i holds the value 10 (i + 1) in the square (4, 6, 8, 8) and 0 elsewhere. */
	static ImagePlus stack() {
		ImageStack s = new ImageStack(32, 32);
		for (int i = 0; i < 4; i++) {
			ByteProcessor ip = new ByteProcessor(32, 32);
			ip.setValue(10 * (i + 1));
			ip.setRoi(4, 6, 8, 8);
			ip.fill();
			s.addSlice("s" + i, ip);
		}
		return new ImagePlus("stack", s);
	}

	static Roi roi(String name, int slice, int x, int y, int w, int h) {
		Roi r = new Roi(x, y, w, h);
		r.setName(name);
		r.setPosition(slice);
		return r;
	}

	/**
	 * On a composite of 2 channels, 3 slices and 2 frames, an ROI with only a stack index (as the ROI
	 * Manager keeps one) is cut from its own slice and frame, every channel, whatever plane is shown; so
	 * is an ROI with a (c, z, t) position.
	 */
	@Test
	void aCompositesRoiIsCutFromItsOwnSliceAndFrame() {
		ImageStack s = new ImageStack(8, 8);
		for (int t = 1; t <= 2; t++) for (int z = 1; z <= 3; z++) for (int c = 1; c <= 2; c++) {
			ByteProcessor ip = new ByteProcessor(8, 8);
			ip.setValue(100 * t + 10 * z + c);
			ip.fill();
			s.addSlice(ip);
		}
		ImagePlus imp = new ImagePlus("czt", s);
		imp.setDimensions(2, 3, 2);
		ImagePlus composite = new ij.CompositeImage(imp, ij.CompositeImage.COMPOSITE);
		composite.setPosition(1, 1, 1);
		Roi byIndex = roi("a", composite.getStackIndex(2, 3, 2), 0, 0, 4, 4), byCzt = new Roi(0, 0, 4, 4);
		byCzt.setPosition(0, 2, 2);
		for (Roi r : List.of(byIndex, byCzt)) {
			int z = r == byIndex ? 3 : 2;
			ImagePlus cut = TcavRun.crop(composite, r, 4, 4);
			assertEquals(2, cut.getNChannels());
			for (int c = 1; c <= 2; c++) assertEquals(200 + 10 * z + c, cut.getStack().getProcessor(c).get(1, 1), "channel " + c + " of z " + z + ", t 2");
		}
		assertEquals(1, composite.getZ(), "the shown plane is kept");
		// an ROI of another stack, beyond this one's planes, is refused rather than cut from the shown plane
		Roi far = roi("a", 13, 0, 0, 4, 4), other = roi("a", 2, 0, 0, 4, 4);
		Overlay o = new Overlay();
		o.add(far);
		o.add(other);
		composite.setOverlay(o);
		assertEquals("The ROI 'a' of the ROIs lies on stack position 13, beyond the 3 slice(s) and 2 frame(s) of 'czt'; check that the ROIs"
			+ " belong to this image.", assertThrows(IllegalArgumentException.class, () -> TcavRun.roiConcepts(composite, model, 32, 32)).getMessage());
	}

	@Test
	void eachRoiIsItsSlicesBoxResizedToTheInput() {
		ImagePlus imp = stack();
		Overlay o = new Overlay();
		o.add(roi("square", 2, 4, 6, 8, 8));
		o.add(roi("square", 4, 4, 6, 8, 8));
		o.add(roi("corner", 1, 20, 20, 10, 10));
		o.add(roi("corner", 3, 20, 20, 10, 10));
		imp.setOverlay(o);
		List<Tcav.Concept> concepts = TcavRun.roiConcepts(imp, model, 32, 32);
		assertEquals(List.of("square", "corner"), concepts.stream().map(Tcav.Concept::name).toList());
		FloatTensor square = concepts.get(0).examples(), corner = concepts.get(1).examples();
		assertEquals(List.of(2L, 32L, 32L, 1L), java.util.Arrays.stream(square.shape()).boxed().toList());
		// unit_range: 8-bit / 255; the squares of slices 2 and 4 fill the whole example
		for (int p = 0; p < 1024; p++) {
			assertEquals(20 / 255f, square.data()[p], 1e-6);
			assertEquals(40 / 255f, square.data()[1024 + p], 1e-6);
			assertEquals(0, corner.data()[p], 0);
		}
	}

	@Test
	void unnamedOrLoneRoisAreOneSentence() {
		ImagePlus imp = stack();
		imp.setOverlay(new Overlay(new Roi(1, 1, 5, 5)));
		IllegalArgumentException unnamed = assertThrows(IllegalArgumentException.class, () -> TcavRun.roiConcepts(imp, model, 32, 32));
		assertTrue(unnamed.getMessage().startsWith("ROI 1 on 'stack' has no name"), unnamed.getMessage());
		imp.setOverlay(new Overlay(roi("alone", 1, 1, 1, 5, 5)));
		IllegalArgumentException lone = assertThrows(IllegalArgumentException.class, () -> TcavRun.roiConcepts(imp, model, 32, 32));
		assertTrue(lone.getMessage().contains("draw at least 2 ROIs per concept"), lone.getMessage());
		imp.setOverlay(null);
		IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> TcavRun.roiConcepts(imp, model, 32, 32));
		assertTrue(none.getMessage().startsWith("No concepts: set concepts=[folder"), none.getMessage());
	}
}
