package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.conceptscope.tensor.InputDomain;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TorchScript and ONNX models read the input statistics of their card (conceptscope.json's
 * {@code input_statistics}) as TensorFlow models do, so the out-of-domain warning reaches every
 * engine; a card without them warns of nothing.
 */
class EngineCardDomainTest {

	@TempDir
	Path work;

	static final double[] MEAN = { 0.61, 0.52, 0.60 }, STD = { 0.12, 0.14, 0.10 };
	static final double[] LOW = { 0.05, 0.06, 0.04 }, HIGH = { 0.20, 0.22, 0.18 };

	/** A copy of the box-segmentation export with the given statistics written into its card (the bundled card is left as it is). */
	Path copyWithStatistics(String engine, boolean statistics) throws IOException {
		Path copy = work.resolve(engine + statistics);
		BundledModels.copyTree(DenseEnginesTest.dir(engine), copy);
		if (statistics) {
			ModelConfig card = ModelConfig.read(copy);
			card.inputStatistics(new InputDomain(MEAN, STD, LOW, HIGH), "written by EngineCardDomainTest");
			card.write(copy);
		}
		return copy;
	}

	@ParameterizedTest
	@ValueSource(strings = { "torchscript", "onnx" })
	void theCardsInputStatisticsReachTheModel(String engine) throws IOException {
		try (Classifier opened = Classifiers.open(copyWithStatistics(engine, true))) {
			InputDomain domain = opened.inputDomain();
			assertNotNull(domain, engine + " model read no input statistics from its card");
			assertArrayEquals(MEAN, domain.mean());
			assertArrayEquals(STD, domain.std());
			assertArrayEquals(LOW, domain.imageStdLow());
			assertArrayEquals(HIGH, domain.imageStdHigh());
			// an inverted stain: every channel's mean 3+ training stds away
			InputDomain far = new InputDomain(new double[] { 0.1, 0.1, 0.1 }, new double[] { 0.1, 0.1, 0.1 });
			String warning = domain.warning(far, "The image 'x.tif'");
			assertNotNull(warning);
			assertTrue(warning.contains("channel 1 mean 0.1"), warning);
			assertNull(domain.warning(new InputDomain(MEAN, STD), "The image 'y.tif'"));
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "torchscript", "onnx" })
	void aCardWithoutStatisticsWarnsOfNothing(String engine) throws IOException {
		try (Classifier opened = Classifiers.open(copyWithStatistics(engine, false))) {
			assertNull(opened.inputDomain());
		}
	}
}
