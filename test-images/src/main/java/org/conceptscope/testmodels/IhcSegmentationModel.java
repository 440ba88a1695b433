package org.conceptscope.testmodels;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.train.FcnArchitecture;
import org.conceptscope.train.FcnTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;

/**
 * Task (d): a segmentation network with dense outputs, trained in Java on scikit-image's ihc.png.
 * <p>
 * Every pixel is labelled from its own colour by H-DAB colour deconvolution (as
 * {@link IhcStainPatches}, per pixel): DAB concentration above {@value #DAB_THRESHOLD} is
 * "DAB-positive", else hematoxylin above {@value #HEMATOXYLIN_THRESHOLD} is "hematoxylin", else
 * "background". The network ({@link FcnArchitecture}: two 3x3 convolutions, a 1x1 convolution to
 * three logits per pixel, softmax per pixel) sees 32x32 crops, so whole images are explained in
 * tiles. The evidence is known by construction: output position (y, x) depends on the input pixels
 * within {@code ARCHITECTURE.radius()} = 2 of it and on no other (whatever the weights), and the
 * labels it learned depend on pixel (y, x) alone. Crops step by 16 pixels; those starting at x >= 384
 * are held out, those ending before x = 376 train.
 */
public final class IhcSegmentationModel {

	public static final String NAME = "ihc-segmentation";
	public static final List<String> CLASSES = IhcStainPatches.CLASSES;
	public static final FcnArchitecture ARCHITECTURE = new FcnArchitecture(32, 32, 3, new int[] { 8, 8 }, 3, 3);
	public static final TrainingOptions TRAINING = new TrainingOptions(600, 16, 0.01, 20261204L);
	static final double DAB_THRESHOLD = 0.25, HEMATOXYLIN_THRESHOLD = 0.08;
	static final int CROP = 32, STEP = 16;
	public static final Normalization NORMALIZATION = new Normalization.UnitRange();

	/** Normalised crops and their per-pixel labels. */
	public record Data(FloatTensor trainImages, int[] trainLabels, FloatTensor testImages, int[] testLabels) {}

	private IhcSegmentationModel() {}

	/** The label of every pixel of ihc.png, row by row (0 background, 1 hematoxylin, 2 DAB-positive). */
	public static int[] pixelLabels(Path png) throws IOException {
		BufferedImage img = read(png);
		return labels(IhcStainPatches.concentrations(IhcStainPatches.rgb(img)));
	}

	static int[] labels(double[][] conc) {
		int[] out = new int[conc[0].length];
		for (int i = 0; i < out.length; i++) {
			out[i] = conc[2][i] > DAB_THRESHOLD ? 2 : conc[0][i] > HEMATOXYLIN_THRESHOLD ? 1 : 0;
		}
		return out;
	}

	public static Data load(Path png) throws IOException {
		BufferedImage img = read(png);
		int w = img.getWidth(), h = img.getHeight();
		float[][] rgb = IhcStainPatches.rgb(img);
		int[] labels = labels(IhcStainPatches.concentrations(rgb));
		List<float[]> trainX = new ArrayList<>(), testX = new ArrayList<>();
		List<int[]> trainY = new ArrayList<>(), testY = new ArrayList<>();
		for (int y = 0; y + CROP <= h; y += STEP) {
			for (int x = 0; x + CROP <= w; x += STEP) {
				boolean test = x >= IhcStainPatches.TEST_FROM_X;
				if (!test && x + CROP > IhcStainPatches.TRAIN_BEFORE_X) continue;
				float[] crop = new float[CROP * CROP * 3];
				int[] lab = new int[CROP * CROP];
				for (int dy = 0; dy < CROP; dy++) {
					for (int dx = 0; dx < CROP; dx++) {
						int i = (y + dy) * w + x + dx;
						for (int c = 0; c < 3; c++) crop[(dy * CROP + dx) * 3 + c] = rgb[c][i];
						lab[dy * CROP + dx] = labels[i];
					}
				}
				NORMALIZATION.apply(crop, 3, 255);
				(test ? testX : trainX).add(crop);
				(test ? testY : trainY).add(lab);
			}
		}
		return new Data(PatchDataset.stack(trainX, CROP, 3), concat(trainY), PatchDataset.stack(testX, CROP, 3), concat(testY));
	}

	/** Trains with the recorded seed, exports to {@code dir}, reloads the SavedModel and returns its held-out pixel accuracy. */
	public static double trainAndExport(Path png, Path dir) throws IOException {
		Data d = load(png);
		Map<String, FloatTensor> weights = FcnTrainer.train(ARCHITECTURE, d.trainImages(), d.trainLabels(), TRAINING, Progress.NONE);
		ModelConfig c = config();
		c.metadata.put("architecture", ARCHITECTURE.describe());
		c.metadata.put("training", String.format(Locale.ROOT, "Adam, %d steps, batch %d, learning rate %s, seed %d, per-pixel cross-entropy",
			TRAINING.steps(), TRAINING.batchSize(), TRAINING.learningRate(), TRAINING.seed()));
		c.metadata.put("train_crops", d.trainImages().dim(0));
		c.metadata.put("heldout_crops", d.testImages().dim(0));
		c.inputStatistics(org.conceptscope.tensor.InputDomain.ofTraining(d.trainImages()), d.trainImages().dim(0) + " training crops");
		FcnTrainer.export(ARCHITECTURE, weights, c, dir);
		double acc;
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			acc = FcnTrainer.pixelAccuracy(m.outputs(d.testImages()), d.testLabels());
		}
		c.metadata.put("heldout_pixel_accuracy", Math.round(acc * 10000) / 10000.0);
		c.write(dir);
		TestModels.writeCard(dir, c);
		return acc;
	}

	public static ModelConfig config() {
		ModelConfig c = new ModelConfig();
		c.name = "IHC stain segmentation";
		c.description = "Segments 32x32 RGB crops of an immunohistochemistry image (scikit-image ihc.png) pixel by pixel into"
			+ " background, hematoxylin and DAB-positive. Each pixel's label comes from H-DAB colour deconvolution of that pixel alone"
			+ " (see IhcSegmentationModel.java); output position (y, x) sees the input within 2 pixels of it (receptive field 5x5)."
			+ " Held-out crops are the right quarter of the image (x >= 384).";
		c.classes = new ArrayList<>(CLASSES);
		c.normalization = NORMALIZATION.describe();
		return c;
	}

	private static BufferedImage read(Path png) throws IOException {
		BufferedImage img = ImageIO.read(png.toFile());
		if (img == null) throw new IOException("Cannot read " + png + " as an image.");
		return img;
	}

	private static int[] concat(List<int[]> parts) {
		int n = 0;
		for (int[] p : parts) n += p.length;
		int[] out = new int[n];
		int pos = 0;
		for (int[] p : parts) {
			System.arraycopy(p, 0, out, pos, p.length);
			pos += p.length;
		}
		return out;
	}
}
