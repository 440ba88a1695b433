package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.model.bioimage.BioImageModel;
import org.conceptscope.model.onnx.OnnxClassifier;
import org.conceptscope.model.torch.TorchScriptClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A .pt or .onnx file with a model card beside it: the engine chosen from the folder, the card's
 * input, classes, normalisation with mean/std and pixel size used; the same network and the same
 * preprocessing as the bioimage.io package give the same logits from the same raw pixels.
 */
class ModelCardTest {

	@TempDir
	Path tmp;

	static final Path TS = BundledModels.dir("ihc-resnet-torchscript"), ONNX = BundledModels.dir("ihc-resnet-onnx");

	/** mean and std as the package's rdf.yaml says them. */
	static double[][] meanStd() throws IOException {
		Matcher m = Pattern.compile("mean: \\[([^]]*)], std: \\[([^]]*)]").matcher(Files.readString(TS.resolve("rdf.yaml")));
		assertTrue(m.find());
		double[][] out = new double[2][];
		for (int k = 0; k < 2; k++) out[k] = java.util.Arrays.stream(m.group(k + 1).split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray();
		return out;
	}

	Path folder(String name, Path weights, String card) throws IOException {
		Path dir = Files.createDirectories(tmp.resolve(name));
		Files.copy(weights, dir.resolve(weights.getFileName()));
		if (card != null) Files.writeString(dir.resolve(ModelConfig.FILE_NAME), card);
		return dir;
	}

	String card(boolean withInput) throws IOException {
		double[][] ms = meanStd();
		return "{\"name\": \"IHC ResNet\", \"classes\": [\"background\", \"hematoxylin\", \"DAB-positive\"],"
			+ (withInput ? " \"input\": {\"axes\": \"bcyx\", \"height\": 32, \"width\": 32, \"channels\": 3}," : "")
			+ " \"normalization\": \"unit_range\", \"mean\": " + java.util.Arrays.toString(ms[0]) + ", \"std\": " + java.util.Arrays.toString(ms[1])
			+ ", \"pixel_size\": {\"x\": 0.5, \"unit\": \"micrometer\"}}";
	}

	@Test
	void aTorchScriptFileWithItsCardIsThePackagesModel() throws IOException {
		Path dir = folder("ts", TS.resolve("weights.pt"), card(true));
		assertEquals(Classifiers.Kind.TORCHSCRIPT, Classifiers.kind(dir));
		FloatTensor raw = org.conceptscope.model.bioimage.EnginePackagesTestAccess.raw();
		try (Classifier card = Classifiers.open(dir); BioImageModel pkg = BioImageModel.open(TS)) {
			assertInstanceOf(TorchScriptClassifier.class, card);
			assertEquals(List.of("background", "hematoxylin", "DAB-positive"), card.classNames());
			assertEquals("IHC ResNet", card.name());
			assertEquals(new PixelSize(0.5, 0.5, "micrometer"), card.pixelSize());
			// unit_range on 8-bit pixels is x / 255: the card's steps are the rdf's
			FloatTensor a = card.logits(normalize(raw, card.normalization(), 255)), b = pkg.logits(pkg.normalize(raw));
			for (int i = 0; i < a.size(); i++) assertEquals(b.data()[i], a.data()[i], 1e-4 * (1 + Math.abs(b.data()[i])));
		}
	}

	@Test
	void anOnnxFileNeedsNoInputInItsCard() throws IOException {
		Path dir = folder("onnx", ONNX.resolve("weights.onnx"), card(false));
		try (Classifier c = Classifiers.open(dir)) {
			assertInstanceOf(OnnxClassifier.class, c);
			assertEquals(List.of(-1L, 32L, 32L, 3L), java.util.Arrays.stream(c.signature().input().shape()).boxed().toList());
			assertEquals("IHC ResNet", c.name());
		}
		try (Classifier bare = Classifiers.open(folder("bare", ONNX.resolve("weights.onnx"), null).resolve("weights.onnx"))) {
			assertEquals(List.of("class 0", "class 1", "class 2"), bare.classNames());
			assertNull(bare.pixelSize());
		}
	}

	@Test
	void aTorchScriptFileWithoutCardOrWithABadOneIsRefusedInOneSentence() throws IOException {
		Path none = folder("none", TS.resolve("weights.pt"), null);
		ModelLoadException e = assertThrows(ModelLoadException.class, () -> Classifiers.open(none));
		assertTrue(e.getMessage().contains("needs a model card") && e.getMessage().contains("\"channels\": 3"), e.getMessage());
		Path noChannels = folder("no-channels", TS.resolve("weights.pt"), "{\"input\": {\"height\": 32, \"width\": 32}}");
		e = assertThrows(ModelLoadException.class, () -> Classifiers.open(noChannels));
		assertTrue(e.getMessage().contains("must give the input's \"channels\""), e.getMessage());
		Path badStd = folder("bad-std", TS.resolve("weights.pt"), "{\"input\": {\"channels\": 3}, \"mean\": [0.5], \"std\": [0]}");
		e = assertThrows(ModelLoadException.class, () -> Classifiers.open(badStd));
		assertTrue(e.getMessage().contains("\"std\" must be positive"), e.getMessage());
		Path wrongChannels = folder("wrong-channels", TS.resolve("weights.pt"), "{\"input\": {\"channels\": 1, \"height\": 32, \"width\": 32}}");
		e = assertThrows(ModelLoadException.class, () -> Classifiers.open(wrongChannels));
		assertTrue(e.getMessage().contains("fails on an input [1, 1, 32, 32]") && e.getMessage().contains("model card"), e.getMessage());
		Path two = folder("two", TS.resolve("weights.pt"), null);
		Files.copy(ONNX.resolve("weights.onnx"), two.resolve("weights.onnx"));
		e = assertThrows(ModelLoadException.class, () -> Classifiers.kind(two));
		assertTrue(e.getMessage().contains("several model files [weights.onnx, weights.pt]"), e.getMessage());
	}

	static FloatTensor normalize(FloatTensor raw, Normalization n, double typeMax) {
		FloatTensor t = raw.copy();
		int per = t.stride0();
		for (int i = 0; i < t.dim(0); i++) {
			float[] hwc = java.util.Arrays.copyOfRange(t.data(), i * per, (i + 1) * per);
			n.apply(hwc, (int) t.dim(3), typeMax);
			System.arraycopy(hwc, 0, t.data(), i * per, per);
		}
		return t;
	}
}
