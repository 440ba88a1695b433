package org.conceptscope.testmodels;

import ij.IJ;
import ij.ImagePlus;
import ij.measure.Calibration;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.tensor.Normalization;

/**
 * Task (b): 16x16 grayscale patches of pydicom's CT_small.dcm (an axial CT slice through a
 * vertebra, 128x128, 16-bit; MIT-licensed test data, downsized from the NEMA WG04 CT1 set),
 * labelled by tissue at the patch centre in Hounsfield units.
 * <p>
 * ImageJ's DICOM reader gives the pixels and their calibration; the model sees Hounsfield
 * units (calibrated values) scaled by {@link #NORMALIZATION}, the way a CT model should. The
 * label is the mean HU of the central 6x6 pixels: below {@value #AIR_HU} "air", above
 * {@value #BONE_HU} "bone", else "soft tissue". Patches step by 2 pixels and must lie inside one
 * {@value #BLOCK}x{@value #BLOCK} block of a checkerboard: patches in "black" blocks are held out,
 * patches in "white" blocks train, so no held-out pixel is seen in training. (A left/right split
 * would leave the vertebra, the only bone, on one side.)
 */
public final class CtTissuePatches {

	public static final List<String> CLASSES = List.of("air", "soft tissue", "bone");
	public static final int PATCH = 16, STEP = 2, BLOCK = 32;
	static final double AIR_HU = -400, BONE_HU = 250;
	public static final Normalization NORMALIZATION = new Normalization.Affine(0, 1000);

	private CtTissuePatches() {}

	/** Hounsfield units of a calibrated DICOM slice, row-major. */
	public static float[] hounsfield(ImagePlus imp) {
		ImageProcessor ip = imp.getProcessor();
		Calibration cal = imp.getCalibration();
		float[] hu = new float[ip.getWidth() * ip.getHeight()];
		for (int i = 0; i < hu.length; i++) hu[i] = (float) cal.getCValue(ip.get(i));
		return hu;
	}

	public static PatchDataset load(Path dicom) throws IOException {
		ImagePlus imp = IJ.openImage(dicom.toString());
		if (imp == null) throw new IOException("ImageJ cannot open " + dicom + " as DICOM.");
		int w = imp.getWidth(), h = imp.getHeight();
		float[] hu = hounsfield(imp);
		List<float[]> trainX = new ArrayList<>(), testX = new ArrayList<>(), rawTest = new ArrayList<>();
		List<Integer> trainY = new ArrayList<>(), testY = new ArrayList<>();
		for (int y = 0; y + PATCH <= h; y += STEP) {
			for (int x = 0; x + PATCH <= w; x += STEP) {
				if (x / BLOCK != (x + PATCH - 1) / BLOCK || y / BLOCK != (y + PATCH - 1) / BLOCK) continue;
				boolean test = (x / BLOCK + y / BLOCK) % 2 == 0;
				float[] patch = new float[PATCH * PATCH];
				for (int dy = 0; dy < PATCH; dy++) System.arraycopy(hu, (y + dy) * w + x, patch, dy * PATCH, PATCH);
				double centre = 0;
				for (int dy = 5; dy < 11; dy++) for (int dx = 5; dx < 11; dx++) centre += patch[dy * PATCH + dx];
				centre /= 36;
				int label = centre < AIR_HU ? 0 : centre > BONE_HU ? 2 : 1;
				if (test) rawTest.add(patch.clone());
				NORMALIZATION.apply(patch, 1, Double.NaN);
				(test ? testX : trainX).add(patch);
				(test ? testY : trainY).add(label);
			}
		}
		return new PatchDataset(CLASSES, PatchDataset.stack(trainX, PATCH, 1), PatchDataset.ints(trainY),
			PatchDataset.stack(testX, PATCH, 1), PatchDataset.ints(testY), PatchDataset.stack(rawTest, PATCH, 1));
	}
}
