package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Out-of-domain warnings from the models' cards: ihc.png, whose left part trained the IHC models,
 * is in their domain; the same image inverted, or darkened, is not; statistics read in bands of rows
 * equal those of the whole image.
 */
class InputDomainTest {

	static FloatTensor ihc;

	@BeforeAll
	static void load() throws Exception {
		Path png = BundledModels.dir("ihc-stain").getParent().getParent().resolve("images/ihc.png");
		BufferedImage img = ImageIO.read(png.toFile());
		ihc = FloatTensor.zeros(1, img.getHeight(), img.getWidth(), 3);
		for (int y = 0; y < img.getHeight(); y++) {
			for (int x = 0; x < img.getWidth(); x++) {
				int rgb = img.getRGB(x, y);
				for (int c = 0; c < 3; c++) ihc.set((rgb >> (16 - 8 * c)) & 0xff, 0, y, x, c);
			}
		}
	}

	static FloatTensor mapped(java.util.function.DoubleUnaryOperator f) {
		FloatTensor t = ihc.copy();
		for (int i = 0; i < t.size(); i++) t.data()[i] = (float) f.applyAsDouble(t.data()[i]);
		return t;
	}

	@Test
	void bandsOfRowsGiveTheWholeImagesStatistics() {
		Normalization unit = new Normalization.UnitRange();
		InputDomain bands = InputDomain.of(TileSource.of(ihc, 255), 0, unit);
		FloatTensor normalised = ihc.copy();
		unit.apply(normalised.data(), 3, 255);
		InputDomain whole = InputDomain.of(normalised);
		for (int c = 0; c < 3; c++) {
			assertEquals(whole.mean()[c], bands.mean()[c], 1e-9);
			assertEquals(whole.std()[c], bands.std()[c], 1e-9);
		}
	}

	@Test
	void theTrainingImageIsInTheDomainAndItsNegativeIsNot() {
		for (String model : new String[] { "ihc-stain", "ihc-segmentation" }) {
			try (Classifier c = Classifiers.open(BundledModels.dir(model))) {
				InputDomain card = c.inputDomain();
				assertNotNull(card, model + " keeps its training statistics");
				assertNull(card.warning(InputDomain.of(TileSource.of(ihc, 255), 0, c.normalization()), "ihc.png"), model);
				String negative = card.warning(InputDomain.of(TileSource.of(mapped(v -> 255 - v), 255), 0, c.normalization()), "The negative");
				assertNotNull(negative, model);
				assertTrue(negative.startsWith("The negative is far from what the model was trained on") && negative.contains("channel 1 mean"),
					negative);
				String dark = card.warning(InputDomain.of(TileSource.of(mapped(v -> v / 4), 255), 0, c.normalization()), "The dark image");
				assertNotNull(dark, model + ": a quarter of the brightness");
			}
		}
	}

	@Test
	void aWarningNamesTheNumbers() {
		InputDomain train = new InputDomain(new double[] { 0.5 }, new double[] { 0.1 });
		assertNull(train.warning(new InputDomain(new double[] { 0.65 }, new double[] { 0.12 }), "x"), "1.5 std away: in the domain");
		assertEquals("The image 'a' is far from what the model was trained on, after its normalisation: mean 0.800, std 0.100 (training 0.500,"
			+ " std 0.100). Explanations of inputs unlike the training data may mislead: check the model's normalisation, pixel size and staining.",
			train.warning(new InputDomain(new double[] { 0.8 }, new double[] { 0.1 }), "The image 'a'"));
		assertNotNull(train.warning(new InputDomain(new double[] { 0.5 }, new double[] { 0.01 }), "x"), "a flat image: spread 10 times smaller");
		assertThrows(IllegalArgumentException.class, () -> new InputDomain(new double[] { 0 }, new double[] { -1 }));
	}

	/**
	 * Training inputs of two kinds, flat (std 0.02) and textured (std 0.3): their pooled spread is large, so a flat
	 * input would be 4 times below it although half the training inputs look like it; the per-input range knows better.
	 */
	@Test
	void aFlatInputLikeManyTrainingInputsIsInTheDomainWhenTheCardKeepsThePerInputRange() {
		int n = 40, side = 8;
		FloatTensor train = FloatTensor.zeros(n, side, side, 1);
		java.util.Random r = new java.util.Random(7);
		double[] own = new double[n];
		for (int i = 0; i < n; i++) {
			double spread = i % 2 == 0 ? 0.02 : 0.3;
			double sum = 0, sq = 0;
			for (int p = 0; p < side * side; p++) {
				float v = (float) (0.5 + spread * (p % 2 == 0 ? 1 : -1) * (0.5 + r.nextDouble()));
				train.data()[i * side * side + p] = v;
				sum += v;
				sq += (double) v * v;
			}
			double m = sum / (side * side);
			own[i] = Math.sqrt(sq / (side * side) - m * m);
		}
		InputDomain card = InputDomain.ofTraining(train);
		// nearest rank, computed here: the 1st percentile of 40 values is the smallest, the 99th the largest
		java.util.Arrays.sort(own);
		assertEquals(own[0], card.imageStdLow()[0], 1e-6);
		assertEquals(own[n - 1], card.imageStdHigh()[0], 1e-6);
		assertEquals(InputDomain.of(train).std()[0], card.std()[0], 1e-9);
		InputDomain flat = new InputDomain(new double[] { 0.5 }, new double[] { 0.02 });
		InputDomain pooledOnly = new InputDomain(card.mean(), card.std());
		assertNotNull(pooledOnly.warning(flat, "x"), "pooled spread " + card.std()[0] + ": 0.02 is more than 4 times below it");
		assertNull(card.warning(flat, "x"), "a flat input like half the training inputs");
		String w = card.warning(new InputDomain(new double[] { 0.5 }, new double[] { 0.001 }), "The image 'b'");
		assertNotNull(w, "flatter than any training input by more than 2 times");
		assertTrue(w.contains("one training input's std"), w);
		assertNotNull(card.warning(new InputDomain(new double[] { 0.5 }, new double[] { 1.5 }), "x"), "twice the largest training spread and more");
		assertThrows(IllegalArgumentException.class, () -> new InputDomain(new double[] { 0 }, new double[] { 1 }, new double[] { 0.5 }, null));
		assertThrows(IllegalArgumentException.class, () -> new InputDomain(new double[] { 0 }, new double[] { 1 }, new double[] { 0.5 },
			new double[] { 0.1 }));
	}

	@Test
	void aSlideTooLargeToCopyWholeIsNotReadForStatisticsTakenFromTheWholeImage() {
		// percentile and zero_mean_unit_variance need the whole image at once; a band-by-band normalisation reads any size
		TileSource slide = new UnreadableSlide();
		assertNull(InputDomain.of(slide, 0, Normalization.parse("percentile(1,99.8)")));
		assertNull(InputDomain.of(slide, 0, Normalization.parse("zero_mean_unit_variance")));
		assertThrows(AssertionError.class, () -> InputDomain.of(slide, 0, Normalization.parse("scale_linear(0.5,0)")));
	}
}
