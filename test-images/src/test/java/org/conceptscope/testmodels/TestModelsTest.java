package org.conceptscope.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed models are what the committed code produces: retraining with the recorded seed
 * reaches the accuracy on each model card, and the committed SavedModels score what their cards
 * say on the real held-out patches.
 */
class TestModelsTest {

	/** TensorFlow's multithreaded CPU kernels round differently run to run; retraining lands within this. */
	static final double RETRAIN_TOLERANCE = 0.03;
	static Path root;
	static PatchDataset ihc, ct;

	@BeforeAll
	static void data() throws Exception {
		root = Paths.get("").toAbsolutePath();
		if (!root.resolve("models").toFile().isDirectory()) root = root.resolve("test-images");
		ihc = IhcStainPatches.load(root.resolve("images/ihc.png"));
		ct = CtTissuePatches.load(root.resolve("images/CT_small.dcm"));
	}

	static double recordedAccuracy(String model) {
		Object acc = ModelConfig.read(root.resolve("models").resolve(model)).metadata.get("heldout_accuracy");
		return ((Number) acc).doubleValue();
	}

	@Test
	void datasetsHaveEveryClassOnBothSides() {
		for (PatchDataset d : new PatchDataset[] { ihc, ct }) {
			for (int k = 0; k < 3; k++) {
				final int kk = k;
				assertTrue(java.util.Arrays.stream(d.trainLabels()).anyMatch(l -> l == kk), "train has class " + k);
				assertTrue(java.util.Arrays.stream(d.testLabels()).anyMatch(l -> l == kk), "held-out has class " + k);
			}
		}
	}

	@Test
	void committedModelsScoreWhatTheirCardsSay() {
		for (var e : java.util.Map.of(TestModels.IHC, ihc, TestModels.CT, ct).entrySet()) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(root.resolve("models").resolve(e.getKey()))) {
				double acc = CnnTrainer.accuracy(m.logits(e.getValue().testImages()), e.getValue().testLabels());
				assertEquals(recordedAccuracy(e.getKey()), acc, 1e-3, e.getKey());
			}
		}
	}

	@Test
	void cardsRecordTheTrainingPatchesInputStatistics() throws Exception {
		if (Boolean.getBoolean("conceptscope.regenerate.statistics")) TestModels.recordInputStatistics(root);
		java.util.Map<String, org.conceptscope.tensor.FloatTensor> train = java.util.Map.of(TestModels.IHC, ihc.trainImages(), TestModels.CT,
			ct.trainImages(), IhcSegmentationModel.NAME, IhcSegmentationModel.load(root.resolve("images/ihc.png")).trainImages());
		for (var e : train.entrySet()) {
			org.conceptscope.tensor.InputDomain card = ModelConfig.read(root.resolve("models").resolve(e.getKey())).parsedInputDomain();
			org.junit.jupiter.api.Assertions.assertNotNull(card, e.getKey());
			int c = (int) e.getValue().dim(3);
			for (int k = 0; k < c; k++) {
				double sum = 0, sq = 0;
				long n = e.getValue().size() / c;
				for (long p = 0; p < n; p++) {
					double v = e.getValue().data()[(int) (p * c + k)];
					sum += v;
					sq += v * v;
				}
				double mean = sum / n;
				assertEquals(mean, card.mean()[k], 1e-6, e.getKey() + " channel " + k);
				assertEquals(Math.sqrt(sq / n - mean * mean), card.std()[k], 1e-6, e.getKey() + " channel " + k);
				// each training input's own std; the card keeps their 1st and 99th percentiles (nearest rank)
				int images = (int) e.getValue().dim(0), per = (int) (n / images);
				double[] own = new double[images];
				for (int i = 0; i < images; i++) {
					double s1 = 0, s2 = 0;
					for (int p = 0; p < per; p++) {
						double v = e.getValue().data()[(i * per + p) * c + k];
						s1 += v;
						s2 += v * v;
					}
					own[i] = Math.sqrt(Math.max(0, s2 / per - (s1 / per) * (s1 / per)));
				}
				java.util.Arrays.sort(own);
				org.junit.jupiter.api.Assertions.assertNotNull(card.imageStdLow(), e.getKey() + ": the per-input spread range");
				assertEquals(own[(int) Math.ceil(0.01 * images) - 1], card.imageStdLow()[k], 1e-6, e.getKey() + " channel " + k);
				assertEquals(own[(int) Math.ceil(0.99 * images) - 1], card.imageStdHigh()[k], 1e-6, e.getKey() + " channel " + k);
			}
		}
	}

	@Test
	void retrainingReproducesTheIhcModel(@TempDir Path tmp) throws Exception {
		double acc = TestModels.trainAndExport(TestModels.IHC_ARCHITECTURE, TestModels.IHC_TRAINING, ihc, TestModels.ihcConfig(),
			tmp.resolve(TestModels.IHC));
		assertEquals(recordedAccuracy(TestModels.IHC), acc, RETRAIN_TOLERANCE);
		assertTrue(acc > 0.8, "a useful classifier, far above the 48% majority class");
	}

	@Test
	void retrainingReproducesTheCtModel(@TempDir Path tmp) throws Exception {
		double acc = TestModels.trainAndExport(TestModels.CT_ARCHITECTURE, TestModels.CT_TRAINING, ct, TestModels.ctConfig(),
			tmp.resolve(TestModels.CT));
		assertEquals(recordedAccuracy(TestModels.CT), acc, RETRAIN_TOLERANCE);
		assertTrue(acc > 0.9);
	}

	@Test
	void knownAnswerModelIsRebuiltIdentically(@TempDir Path tmp) throws Exception {
		TestModels.buildKnownAnswer(tmp.resolve("k"));
		FloatTensor x = FloatTensor.concat(java.util.List.of(KnownAnswerModel.image(0, 1), KnownAnswerModel.image(1, 2)));
		try (TensorFlowClassifier rebuilt = TensorFlowClassifier.load(tmp.resolve("k"));
			TensorFlowClassifier committed = TensorFlowClassifier.load(root.resolve("models").resolve(TestModels.KNOWN))) {
			FloatTensor a = rebuilt.logits(x), b = committed.logits(x);
			for (int i = 0; i < a.size(); i++) assertEquals(a.data()[i], b.data()[i], 1e-5);
			assertEquals(0, a.argmaxRows()[0], "an image bright in R_0 is class 0");
			assertEquals(1, a.argmaxRows()[1], "an image bright in R_1 is class 1");
		}
	}
}
