package org.conceptscope.testmodels;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.conceptscope.tensor.Normalization;

/**
 * Task (a): 32x32 RGB patches of scikit-image's ihc.png (colonic glands, FHL2 revealed by DAB,
 * hematoxylin counterstain; "no known copyright restrictions"), labelled by stain content.
 * <p>
 * Labels come from colour deconvolution (Ruifrok and Johnston's H-DAB stain vectors) of the
 * central 16x16 pixels of each patch: mean DAB concentration above {@value #DAB_THRESHOLD} is
 * "DAB-positive", else mean hematoxylin above {@value #HEMATOXYLIN_THRESHOLD} is "hematoxylin",
 * else "background". Patches step by 8 pixels; those starting at x >= 384 are held out, those
 * ending before x = 376 train, so no held-out pixel was seen in training.
 */
public final class IhcStainPatches {

	public static final List<String> CLASSES = List.of("background", "hematoxylin", "DAB-positive");
	public static final int PATCH = 32, STEP = 8, TEST_FROM_X = 384, TRAIN_BEFORE_X = 376;
	static final double DAB_THRESHOLD = 0.25, HEMATOXYLIN_THRESHOLD = 0.08;
	public static final Normalization NORMALIZATION = new Normalization.UnitRange();

	// Stain optical-density vectors (rows: hematoxylin, eosin, DAB), normalised below.
	private static final double[][] STAINS = { { 0.65, 0.70, 0.29 }, { 0.07, 0.99, 0.11 }, { 0.27, 0.57, 0.78 } };

	private IhcStainPatches() {}

	public static PatchDataset load(Path png) throws IOException {
		BufferedImage img = ImageIO.read(png.toFile());
		if (img == null) throw new IOException("Cannot read " + png + " as an image.");
		int w = img.getWidth(), h = img.getHeight();
		float[][] rgb = rgb(img);
		double[][] conc = concentrations(rgb);
		List<float[]> trainX = new ArrayList<>(), testX = new ArrayList<>(), rawTest = new ArrayList<>();
		List<Integer> trainY = new ArrayList<>(), testY = new ArrayList<>();
		for (int y = 0; y + PATCH <= h; y += STEP) {
			for (int x = 0; x + PATCH <= w; x += STEP) {
				boolean test = x >= TEST_FROM_X;
				if (!test && x + PATCH > TRAIN_BEFORE_X) continue;
				float[] patch = new float[PATCH * PATCH * 3];
				for (int dy = 0; dy < PATCH; dy++) {
					for (int dx = 0; dx < PATCH; dx++) {
						for (int c = 0; c < 3; c++) patch[(dy * PATCH + dx) * 3 + c] = rgb[c][(y + dy) * w + x + dx];
					}
				}
				int label = label(conc, w, x, y);
				if (test) rawTest.add(patch.clone());
				NORMALIZATION.apply(patch, 3, 255);
				(test ? testX : trainX).add(patch);
				(test ? testY : trainY).add(label);
			}
		}
		return new PatchDataset(CLASSES, PatchDataset.stack(trainX, PATCH, 3), PatchDataset.ints(trainY), PatchDataset.stack(testX, PATCH, 3), PatchDataset.ints(testY),
			PatchDataset.stack(rawTest, PATCH, 3));
	}

	/** The image's red, green and blue planes (0..255), row by row. */
	static float[][] rgb(BufferedImage img) {
		int w = img.getWidth(), h = img.getHeight();
		float[][] rgb = new float[3][w * h];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				int p = img.getRGB(x, y);
				for (int c = 0; c < 3; c++) rgb[c][y * w + x] = (p >> (16 - 8 * c)) & 0xff;
			}
		}
		return rgb;
	}

	/** Hematoxylin, eosin and DAB concentrations per pixel (colour deconvolution of optical densities). */
	static double[][] concentrations(float[][] rgb) {
		int n = rgb[0].length;
		double[][] conc = new double[3][n];
		double[][] unmix = invert(normalised(STAINS));
		for (int i = 0; i < n; i++) {
			double[] od = new double[3];
			for (int c = 0; c < 3; c++) od[c] = -Math.log10((rgb[c][i] + 1) / 256.0);
			for (int s = 0; s < 3; s++) conc[s][i] = od[0] * unmix[0][s] + od[1] * unmix[1][s] + od[2] * unmix[2][s];
		}
		return conc;
	}

	private static int label(double[][] conc, int w, int x, int y) {
		double hem = 0, dab = 0;
		int n = 0;
		for (int dy = PATCH / 4; dy < 3 * PATCH / 4; dy++) {
			for (int dx = PATCH / 4; dx < 3 * PATCH / 4; dx++) {
				int i = (y + dy) * w + x + dx;
				hem += conc[0][i];
				dab += conc[2][i];
				n++;
			}
		}
		if (dab / n > DAB_THRESHOLD) return 2;
		if (hem / n > HEMATOXYLIN_THRESHOLD) return 1;
		return 0;
	}

	private static double[][] normalised(double[][] m) {
		double[][] out = new double[3][3];
		for (int i = 0; i < 3; i++) {
			double n = Math.sqrt(m[i][0] * m[i][0] + m[i][1] * m[i][1] + m[i][2] * m[i][2]);
			for (int j = 0; j < 3; j++) out[i][j] = m[i][j] / n;
		}
		return out;
	}

	private static double[][] invert(double[][] m) {
		double a = m[0][0], b = m[0][1], c = m[0][2], d = m[1][0], e = m[1][1], f = m[1][2], g = m[2][0], h = m[2][1], k = m[2][2];
		double det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
		return new double[][] { { (e * k - f * h) / det, (c * h - b * k) / det, (b * f - c * e) / det },
			{ (f * g - d * k) / det, (a * k - c * g) / det, (c * d - a * f) / det },
			{ (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det } };
	}
}
