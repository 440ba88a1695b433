package org.conceptscope.testmodels;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.InputDomain;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnArchitecture.Head;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.util.Progress;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.train.TrainingOptions;

/**
 * Regenerates every bundled test model and demo stack from the real images in
 * {@code test-images/images/}. Run: {@code mvn -B -Pregenerate -DskipTests package -pl test-images -am}.
 */
public final class TestModels {

	public static final String IHC = "ihc-stain", CT = "ct-tissue", KNOWN = "known-answer";

	public static final CnnArchitecture IHC_ARCHITECTURE = new CnnArchitecture(32, 32, 3, new int[] { 16, 32, 32 }, 3, true,
		Head.GLOBAL_AVERAGE, 3);
	public static final TrainingOptions IHC_TRAINING = new TrainingOptions(2000, 32, 0.003, 20261124L);
	public static final CnnArchitecture CT_ARCHITECTURE = new CnnArchitecture(16, 16, 1, new int[] { 8, 16 }, 3, true,
		Head.GLOBAL_AVERAGE, 3);
	public static final TrainingOptions CT_TRAINING = new TrainingOptions(800, 32, 0.003, 20261125L);

	private TestModels() {}

	public static void main(String[] args) throws IOException {
		Path root = Paths.get(args.length > 0 ? args[0] : "test-images").toAbsolutePath();
		Path images = root.resolve("images"), models = root.resolve("models");
		PatchDataset ihc = IhcStainPatches.load(images.resolve("ihc.png"));
		System.out.println(IHC + ": held-out accuracy " + trainAndExport(IHC_ARCHITECTURE, IHC_TRAINING, ihc, ihcConfig(), models.resolve(IHC)));
		PatchDataset ct = CtTissuePatches.load(images.resolve("CT_small.dcm"));
		System.out.println(CT + ": held-out accuracy " + trainAndExport(CT_ARCHITECTURE, CT_TRAINING, ct, ctConfig(), models.resolve(CT)));
		KerasConstantsModel.build(models.resolve(IHC), models.resolve(KerasConstantsModel.NAME));
		System.out.println(KerasConstantsModel.NAME + ": " + IHC + " as a Keras-style model whose init op sets the weights");
		System.out.println(IhcSegmentationModel.NAME + ": held-out pixel accuracy "
			+ IhcSegmentationModel.trainAndExport(images.resolve("ihc.png"), models.resolve(IhcSegmentationModel.NAME)));
		buildKnownAnswer(models.resolve(KNOWN));
		System.out.println(KNOWN + ": built by construction");
		writeDemoStack(ihc, 4, images.resolve("ihc-heldout-patches.tif"), true);
		writeDemoStack(ct, 4, images.resolve("ct-heldout-patches.tif"), false);
	}

	/** Trains, exports, reloads the SavedModel and measures held-out accuracy on it. */
	public static double trainAndExport(CnnArchitecture arch, TrainingOptions opt, PatchDataset data, ModelConfig config, Path dir)
		throws IOException {
		Map<String, FloatTensor> weights = CnnTrainer.train(arch, data.trainImages(), data.trainLabels(), opt, Progress.NONE);
		config.metadata.put("architecture", describe(arch));
		config.metadata.put("training", String.format(Locale.ROOT, "Adam, %d steps, batch %d, learning rate %s, seed %d",
			opt.steps(), opt.batchSize(), opt.learningRate(), opt.seed()));
		config.metadata.put("train_patches", data.trainLabels().length);
		config.metadata.put("heldout_patches", data.testLabels().length);
		config.metadata.put("heldout_class_counts", counts(data.testLabels(), data.classes()));
		config.inputStatistics(InputDomain.ofTraining(data.trainImages()), data.trainLabels().length + " training patches");
		SavedModelExport.export(arch, weights, config, dir);
		double acc;
		try (TensorFlowClassifier model = TensorFlowClassifier.load(dir)) {
			acc = CnnTrainer.accuracy(model.logits(data.testImages()), data.testLabels());
		}
		config.metadata.put("heldout_accuracy", Math.round(acc * 10000) / 10000.0);
		config.write(dir);
		writeCard(dir, config);
		return acc;
	}

	/**
	 * Writes the training patches' input statistics into the cards of the committed models (the
	 * values {@link #trainAndExport} records), without retraining.
	 */
	public static void recordInputStatistics(Path root) throws IOException {
		Path images = root.resolve("images"), models = root.resolve("models");
		Map<String, FloatTensor> train = Map.of(IHC, IhcStainPatches.load(images.resolve("ihc.png")).trainImages(), CT,
			CtTissuePatches.load(images.resolve("CT_small.dcm")).trainImages(), IhcSegmentationModel.NAME,
			IhcSegmentationModel.load(images.resolve("ihc.png")).trainImages());
		for (Map.Entry<String, FloatTensor> e : train.entrySet()) {
			Path dir = models.resolve(e.getKey());
			ModelConfig c = ModelConfig.read(dir);
			c.inputStatistics(InputDomain.ofTraining(e.getValue()), e.getValue().dim(0) + (e.getKey().equals(IhcSegmentationModel.NAME) ? " training crops"
				: " training patches"));
			c.write(dir);
		}
	}

	public static ModelConfig ihcConfig() {
		ModelConfig c = new ModelConfig();
		c.name = "IHC stain classifier";
		c.description = "Classifies 32x32 RGB patches of an immunohistochemistry image (scikit-image ihc.png: colonic glands,"
			+ " FHL2 revealed by DAB, hematoxylin counterstain) as background, hematoxylin or DAB-positive. Labels come from"
			+ " H-DAB colour deconvolution of each patch's central 16x16 pixels (see IhcStainPatches.java). Held-out patches"
			+ " are the right quarter of the image (x >= 384), never overlapping training patches.";
		c.classes = new ArrayList<>(IhcStainPatches.CLASSES);
		c.normalization = IhcStainPatches.NORMALIZATION.describe();
		return c;
	}

	public static ModelConfig ctConfig() {
		ModelConfig c = new ModelConfig();
		c.name = "CT tissue classifier";
		c.description = "Classifies 16x16 patches of a 16-bit CT slice (pydicom CT_small.dcm, a vertebra) by the tissue at"
			+ " the patch centre: air (< -400 HU), soft tissue, bone (> 250 HU). Input is Hounsfield units / 1000."
			+ " Held-out patches lie in the black squares of a 32-pixel checkerboard, training patches in the white ones.";
		c.classes = new ArrayList<>(CtTissuePatches.CLASSES);
		c.normalization = CtTissuePatches.NORMALIZATION.describe();
		return c;
	}

	public static void buildKnownAnswer(Path dir) throws IOException {
		ModelConfig c = new ModelConfig();
		c.name = "Known-answer regions";
		c.description = "Built by construction, not trained: logit k is the sum of the pixels inside square R_k, so the"
			+ " evidence for class k is exactly R_k. Two identity 3x3 convolutions with ReLU give layers to split at.";
		c.classes = new ArrayList<>(KnownAnswerModel.CLASSES);
		c.normalization = new Normalization.UnitRange().describe();
		c.metadata.put("architecture", describe(KnownAnswerModel.ARCHITECTURE));
		c.metadata.put("evidence_regions_xywh", Arrays.stream(KnownAnswerModel.REGIONS).map(Arrays::toString).toList());
		SavedModelExport.export(KnownAnswerModel.ARCHITECTURE, KnownAnswerModel.weights(), c, dir);
		writeCard(dir, c);
	}

	/** A stack of held-out raw patches, {@code perClass} of each class, named by true class. */
	static void writeDemoStack(PatchDataset data, int perClass, Path file, boolean rgb) throws IOException {
		FloatTensor raw = data.rawTestPatches();
		int side = (int) raw.dim(1), c = (int) raw.dim(3);
		ImageStack stack = new ImageStack(side, side);
		for (int k = 0; k < data.classes().size(); k++) {
			int found = 0;
			// every 7th candidate spreads the picks over the held-out area instead of one corner
			for (int i = 0; i < data.testLabels().length && found < perClass; i += 1) {
				if (data.testLabels()[i] != k || (i % 7) != 0) continue;
				float[] p = Arrays.copyOfRange(raw.data(), i * side * side * c, (i + 1) * side * side * c);
				if (rgb) {
					int[] px = new int[side * side];
					for (int j = 0; j < px.length; j++) {
						px[j] = ((int) p[j * 3] << 16) | ((int) p[j * 3 + 1] << 8) | (int) p[j * 3 + 2];
					}
					stack.addSlice(data.classes().get(k) + " #" + i, new ColorProcessor(side, side, px));
				} else {
					stack.addSlice(data.classes().get(k) + " #" + i, new FloatProcessor(side, side, p));
				}
				found++;
			}
		}
		ImagePlus imp = new ImagePlus(file.getFileName().toString(), stack);
		Path tmp = file.resolveSibling(file.getFileName() + ".part");
		if (!new FileSaver(imp).saveAsTiffStack(tmp.toString())) throw new IOException("Could not write " + tmp);
		Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
	}

	static String describe(CnnArchitecture a) {
		return a.describe();
	}

	private static Map<String, Integer> counts(int[] labels, List<String> classes) {
		Map<String, Integer> m = new java.util.LinkedHashMap<>();
		for (String c : classes) m.put(c, 0);
		for (int l : labels) m.merge(classes.get(l), 1, Integer::sum);
		return m;
	}

	static void writeCard(Path dir, ModelConfig c) {
		StringBuilder b = new StringBuilder();
		b.append("# ").append(c.name).append("\n\n").append(c.description).append("\n\n");
		b.append("- Classes: ").append(String.join(", ", c.classes)).append('\n');
		b.append("- Normalisation: `").append(c.normalization).append("`\n");
		for (Map.Entry<String, Object> e : c.metadata.entrySet()) {
			b.append("- ").append(e.getKey().replace('_', ' ')).append(": ").append(e.getValue()).append('\n');
		}
		b.append("\nRegenerate (from the repository root): `mvn -B -Pregenerate -DskipTests package -pl test-images -am`.\n")
			.append("Code: `test-images/src/main/java/org/conceptscope/testmodels/`. The test `TestModelsTest` retrains with the same\n")
			.append("seed and checks the held-out accuracy above.\n");
		try {
			Files.writeString(dir.resolve("MODEL.md"), b.toString(), StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
