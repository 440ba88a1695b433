package org.conceptscope.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.torch.TorchScriptClassifierTest;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;

/**
 * An ONNX classifier whose graph ends in a Softmax (the bundled ResNet export with a Softmax node
 * appended, written below from the ONNX protobuf fields): its logits are the Softmax's input, so its
 * probabilities are one softmax of them, not a softmax of the model's probabilities; layers and cut
 * graphs end at the logits too. A Softmax over the wrong axis is not taken for the classes' softmax.
 */
class OnnxSoftmaxTest {

	@TempDir
	Path tmp;

	@Test
	void aFinalSoftmaxIsLeftOutOfTheLogits() throws Exception {
		Path plainFile = BundledModels.dir("ihc-resnet-onnx").resolve("weights.onnx");
		Path softmaxFile = withFinalSoftmax(plainFile, 1, tmp.resolve("softmax"));
		FloatTensor x = TorchScriptClassifierTest.images(4, 11);
		try (OnnxClassifier plain = OnnxClassifier.load(plainFile, LoadOptions.defaults());
			OnnxClassifier softmax = OnnxClassifier.load(softmaxFile, LoadOptions.defaults())) {
			FloatTensor z = plain.logits(x), logits = softmax.logits(x), p = softmax.probabilities(x);
			int k = (int) z.dim(1);
			for (int i = 0; i < 4; i++) {
				double max = Double.NEGATIVE_INFINITY, sum = 0;
				for (int j = 0; j < k; j++) max = Math.max(max, z.data()[i * k + j]);
				for (int j = 0; j < k; j++) sum += Math.exp(z.data()[i * k + j] - max);
				for (int j = 0; j < k; j++) {
					float zij = z.data()[i * k + j];
					assertEquals(zij, logits.data()[i * k + j], 1e-5 * (1 + Math.abs(zij)), "logit " + i + "," + j);
					assertEquals(Math.exp(zij - max) / sum, p.data()[i * k + j], 1e-5, "probability " + i + "," + j);
				}
			}
			assertEquals(plain.layers().stream().map(LayerInfo::name).toList(), softmax.layers().stream().map(LayerInfo::name).toList());
			LayerInfo layer = softmax.layers().get(softmax.layers().size() / 2);
			FloatTensor again = softmax.logitsFromLayer(layer.name(), softmax.activations(x, layer.name()));
			for (int i = 0; i < z.size(); i++) assertEquals(z.data()[i], again.data()[i], 1e-4 * (1 + Math.abs(z.data()[i])), "h(g(x)) at " + layer.name());
		}
	}

	/**
	 * A classifier graph ending in a Sigmoid (multi-label): explained on the Sigmoid's input, the plain model's logits,
	 * and its probabilities are each class's own sigmoid of them, not a softmax; the plain model stays softmax.
	 */
	@Test
	void aFinalSigmoidIsLeftOutOfTheLogitsAndItsProbabilitiesArePerClass() throws Exception {
		Path plainFile = BundledModels.dir("ihc-resnet-onnx").resolve("weights.onnx");
		Path sigmoidFile = withFinalNode(plainFile, "Sigmoid", null, tmp.resolve("sigmoid"));
		FloatTensor x = TorchScriptClassifierTest.images(3, 13);
		try (OnnxClassifier plain = OnnxClassifier.load(plainFile, LoadOptions.defaults());
			OnnxClassifier sigmoid = OnnxClassifier.load(sigmoidFile, LoadOptions.defaults())) {
			assertTrue(!plain.isMultiLabel() && sigmoid.isMultiLabel());
			FloatTensor z = plain.logits(x), logits = sigmoid.logits(x), p = sigmoid.probabilities(x), out = sigmoid.networkOutput(x);
			for (int i = 0; i < z.size(); i++) {
				float zi = z.data()[i];
				assertEquals(zi, logits.data()[i], 1e-5 * (1 + Math.abs(zi)), "logit " + i);
				assertEquals(1 / (1 + Math.exp(-zi)), p.data()[i], 1e-5, "probability " + i);
				assertEquals(1 / (1 + Math.exp(-zi)), out.data()[i], 1e-5, "the network's own output " + i);
			}
			assertEquals(plain.layers().stream().map(LayerInfo::name).toList(), sigmoid.layers().stream().map(LayerInfo::name).toList());
		}
	}

	@Test
	void aSoftmaxOverTheBatchIsNotTheClassesSoftmax() throws Exception {
		Path plainFile = BundledModels.dir("ihc-resnet-onnx").resolve("weights.onnx");
		Path overBatch = withFinalSoftmax(plainFile, 0, tmp.resolve("batch"));
		FloatTensor x = TorchScriptClassifierTest.images(3, 12);
		try (OnnxClassifier plain = OnnxClassifier.load(plainFile, LoadOptions.defaults());
			OnnxClassifier odd = OnnxClassifier.load(overBatch, LoadOptions.defaults())) {
			// on the one-image probe a softmax over the batch is all ones, never the classes' softmax: the output stays as it is
			FloatTensor z = plain.logits(x), out = odd.logits(x);
			int k = (int) z.dim(1);
			for (int j = 0; j < k; j++) {
				double sum = 0;
				for (int i = 0; i < 3; i++) sum += out.data()[i * k + j];
				assertEquals(1, sum, 1e-5, "column " + j + " of a softmax over the batch sums to 1");
			}
			assertTrue(Math.abs(out.data()[0] - z.data()[0]) > 1e-3, "the output is not the plain model's logits");
		}
	}

	@Test
	void aSegmentationEndingInASoftmaxOverItsChannelsGivesProbabilities() throws Exception {
		Path box = BundledModels.dir("box-segmentation").resolve("onnx/box-segmentation.onnx");
		FloatTensor x = TorchScriptClassifierTest.images(2, 13); // [2, 32, 32, 3], as the card's 32x32x3 input
		try (OnnxClassifier plain = OnnxClassifier.load(box, LoadOptions.defaults());
			OnnxClassifier channels = OnnxClassifier.load(withFinalSoftmax(box, 1, tmp.resolve("channels")), LoadOptions.defaults());
			OnnxClassifier alongX = OnnxClassifier.load(withFinalSoftmax(box, 3, tmp.resolve("x")), LoadOptions.defaults())) {
			assertTrue(!plain.mapHoldsProbabilities(), "the box means are not probabilities");
			assertTrue(channels.mapHoldsProbabilities(), "Softmax(axis 1) of the [N, C, H, W] map runs over its channels");
			assertTrue(!alongX.mapHoldsProbabilities(), "Softmax(axis 3) of [N, C, H, W] runs along x");
			// the map is explained as the model gives it: per pixel the softmax of the two box means
			FloatTensor z = plain.outputs(x), p = channels.outputs(x);
			assertEquals(java.util.Arrays.toString(z.shape()), java.util.Arrays.toString(p.shape()));
			int pixels = (int) (z.size() / 2);
			for (int i = 0; i < pixels; i++) {
				float a = z.data()[2 * i], b = z.data()[2 * i + 1];
				double pa = 1 / (1 + Math.exp(b - a));
				assertEquals(pa, p.data()[2 * i], 1e-5, "pixel " + i);
				assertEquals(1 - pa, p.data()[2 * i + 1], 1e-5, "pixel " + i);
			}
		}
	}

	/**
	 * A segmentation graph ending in a Sigmoid: its map is each channel's own probability at each pixel (the sigmoid of
	 * the plain model's box mean, computed here), so its probabilities are the map itself, not a softmax over each
	 * pixel's channels, and the zone means it is explained by are multi-label.
	 */
	@Test
	void aSegmentationEndingInASigmoidGivesEachChannelsProbability() throws Exception {
		Path box = BundledModels.dir("box-segmentation").resolve("onnx/box-segmentation.onnx");
		FloatTensor x = TorchScriptClassifierTest.images(2, 14);
		Path sigmoidFile = withFinalNode(box, "Sigmoid", null, tmp.resolve("map-sigmoid"));
		try (OnnxClassifier plain = OnnxClassifier.load(box, LoadOptions.defaults());
			OnnxClassifier sigmoid = OnnxClassifier.load(sigmoidFile, LoadOptions.defaults());
			org.conceptscope.model.Classifier explained = org.conceptscope.model.Classifiers.open(sigmoidFile.getParent())) {
			assertTrue(!plain.mapHoldsProbabilities() && !plain.isMultiLabel());
			assertTrue(sigmoid.mapHoldsProbabilities() && sigmoid.isMultiLabel());
			assertTrue(explained.isMultiLabel(), "a zone's means of a sigmoid map are each channel's own probability");
			FloatTensor z = plain.outputs(x), out = sigmoid.outputs(x), p = sigmoid.probabilities(x);
			assertEquals(java.util.Arrays.toString(z.shape()), java.util.Arrays.toString(out.shape()));
			for (int i = 0; i < z.size(); i++) {
				double want = 1 / (1 + Math.exp(-z.data()[i]));
				assertEquals(want, out.data()[i], 1e-5, "entry " + i);
				assertEquals(want, p.data()[i], 1e-5, "probability " + i + " (not a softmax over the pixel's channels)");
			}
			// the explained scores are each channel's mean over the map, their probabilities the same means
			FloatTensor scores = explained.logits(x), probs = explained.probabilities(x);
			int c = (int) out.dim(out.rank() - 1), pixels = (int) (out.size() / out.dim(0) / c);
			for (int n = 0; n < 2; n++) for (int k = 0; k < c; k++) {
				double mean = 0;
				for (int q = 0; q < pixels; q++) mean += out.data()[(n * pixels + q) * c + k] / pixels;
				assertEquals(mean, scores.get(n, k), 1e-5);
				assertEquals(mean, probs.get(n, k), 1e-5);
			}
		}
	}

	/**
	 * A bioimage.io package whose rdf postprocesses the network's output with a sigmoid (bioimage.io's own way to
	 * declare a multi-label or one-output binary classifier): its probabilities are each class's own sigmoid of the
	 * logits (computed here), not a softmax over them, and the package reproduces its test output, the sigmoid of the
	 * bundled logits. The same package without the postprocessing stays a softmax classifier.
	 */
	@Test
	void aPackageWhoseRdfPostprocessesWithASigmoidIsMultiLabel() throws Exception {
		Path source = BundledModels.dir("ihc-resnet-onnx"), pkg = Files.createDirectories(tmp.resolve("rdf-sigmoid"));
		for (String f : List.of("weights.onnx", "test_input.npy")) Files.copy(source.resolve(f), pkg.resolve(f));
		FloatTensor bundled = org.conceptscope.model.bioimage.Npy.read(source.resolve("test_output.npy"));
		float[] s = new float[bundled.size()];
		for (int i = 0; i < s.length; i++) s[i] = (float) (1 / (1 + Math.exp(-bundled.data()[i])));
		org.conceptscope.model.bioimage.Npy.write(pkg.resolve("test_output.npy"), new FloatTensor(bundled.shape(), s));
		String rdf = Files.readString(source.resolve("rdf.yaml"));
		String shape = "    shape: [1, 3]\n"; // the output's (the input's is [1, 3, 32, 32])
		assertEquals(rdf.indexOf(shape), rdf.lastIndexOf(shape), rdf);
		Files.writeString(pkg.resolve("rdf.yaml"), rdf.replace(shape, shape + "    postprocessing:\n      - name: sigmoid\n"));
		FloatTensor x = TorchScriptClassifierTest.images(3, 15);
		try (org.conceptscope.model.bioimage.BioImageModel m = org.conceptscope.model.bioimage.BioImageModel.open(pkg, LoadOptions.defaults());
			org.conceptscope.model.bioimage.BioImageModel plain = org.conceptscope.model.bioimage.BioImageModel.open(source, LoadOptions.defaults())) {
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			assertTrue(m.isMultiLabel(), "the rdf's sigmoid makes each class its own probability");
			assertTrue(!plain.isMultiLabel());
			FloatTensor z = plain.logits(x), logits = m.logits(x), p = m.probabilities(x);
			for (int i = 0; i < z.size(); i++) {
				float zi = z.data()[i];
				assertEquals(zi, logits.data()[i], 1e-5 * (1 + Math.abs(zi)), "explained on the network's logits, value " + i);
				assertEquals(1 / (1 + Math.exp(-zi)), p.data()[i], 1e-5, "probability " + i);
			}
		}
	}

	/**
	 * A bioimage.io package whose network ends in the Softmax: its test output is the network's
	 * probabilities, which the package reproduces (the test once ran on the logits, so the package
	 * failed its own test), and the rdf's output name "logits" pairs with the graph's only output,
	 * "probabilities", by position as bioimage.io pairs them.
	 */
	@Test
	void aPackageWhoseNetworkEndsInASoftmaxPassesItsOwnTest() throws Exception {
		Path source = BundledModels.dir("ihc-resnet-onnx"), pkg = tmp.resolve("package");
		withFinalSoftmax(source.resolve("weights.onnx"), 1, pkg);
		Files.copy(source.resolve("test_input.npy"), pkg.resolve("test_input.npy"));
		FloatTensor logits = org.conceptscope.model.bioimage.Npy.read(source.resolve("test_output.npy"));
		org.conceptscope.model.bioimage.Npy.write(pkg.resolve("test_output.npy"), org.conceptscope.model.TensorFlowClassifier.softmax(logits));
		String rdf = Files.readString(source.resolve("rdf.yaml"));
		String sha = org.conceptscope.model.bioimage.BioImageModel.sha256(pkg.resolve("weights.onnx"));
		Files.writeString(pkg.resolve("rdf.yaml"), rdf.replaceAll("sha256: [0-9a-f]{64}", "sha256: " + sha));
		try (org.conceptscope.model.bioimage.BioImageModel m = org.conceptscope.model.bioimage.BioImageModel.open(pkg, LoadOptions.defaults())) {
			assertTrue(m.testReport().ran() && m.testReport().passed(), m.testReport().message());
			// the test input is channels first (bcyx); the classifier takes images [N, H, W, C]
			FloatTensor x = m.normalize(org.conceptscope.model.EngineClassifier.channelsLast(
				org.conceptscope.model.bioimage.Npy.read(source.resolve("test_input.npy"))));
			FloatTensor got = m.logits(x);
			for (int i = 0; i < logits.size(); i++) assertEquals(logits.data()[i], got.data()[i], 1e-4, "explained on the logits, value " + i);
		}
	}

	/** A package naming fewer classes than its network has outputs is refused naming the rdf key, not a model card it does not have. */
	@Test
	void aPackageWithTooFewClassNamesIsRefusedNamingItsRdfKey() throws Exception {
		Path source = BundledModels.dir("ihc-resnet-onnx"), pkg = Files.createDirectories(tmp.resolve("two-names"));
		for (String f : List.of("weights.onnx", "test_input.npy", "test_output.npy")) Files.copy(source.resolve(f), pkg.resolve(f));
		String rdf = Files.readString(source.resolve("rdf.yaml"));
		assertTrue(rdf.contains("classes: [background, hematoxylin, DAB-positive]"));
		Files.writeString(pkg.resolve("rdf.yaml"), rdf.replace("classes: [background, hematoxylin, DAB-positive]", "classes: [background, stain]"));
		String m = org.junit.jupiter.api.Assertions.assertThrows(org.conceptscope.model.ModelLoadException.class,
			() -> org.conceptscope.model.bioimage.BioImageModel.open(pkg, LoadOptions.defaults())).getMessage();
		assertTrue(m.contains(pkg.resolve("rdf.yaml") + " (config: conceptscope: classes) names 2 classes but the model has 3 outputs."), m);
		assertTrue(!m.contains("model card"), m);
	}

	/** The model with a Softmax node (attribute axis) appended after its output, which becomes the graph's only output. */
	static Path withFinalSoftmax(Path source, long axis, Path dir) throws Exception {
		return withFinalNode(source, "Softmax", axis, dir);
	}

	/** The model with a final node {@code op} (an axis attribute when {@code axis} is not null) on its one output. */
	static Path withFinalNode(Path source, String op, Long axis, Path dir) throws Exception {
		UnknownFieldSet model = UnknownFieldSet.parseFrom(Files.readAllBytes(source));
		UnknownFieldSet graph = UnknownFieldSet.parseFrom(model.getField(OnnxModel.MODEL_GRAPH).getLengthDelimitedList().get(0));
		List<ByteString> outputs = graph.getField(OnnxModel.GRAPH_OUTPUT).getLengthDelimitedList();
		assertEquals(1, outputs.size());
		String logits = UnknownFieldSet.parseFrom(outputs.get(0)).getField(OnnxModel.VALUE_NAME).getLengthDelimitedList().get(0).toStringUtf8();
		UnknownFieldSet attribute = UnknownFieldSet.newBuilder()
			.addField(1, bytes("axis")) // AttributeProto.name
			.addField(3, UnknownFieldSet.Field.newBuilder().addVarint(axis == null ? 0 : axis).build()) // .i
			.addField(20, UnknownFieldSet.Field.newBuilder().addVarint(2).build()) // .type = INT
			.build();
		UnknownFieldSet.Builder nodeBuilder = UnknownFieldSet.newBuilder()
			.addField(OnnxModel.NODE_INPUT, bytes(logits))
			.addField(OnnxModel.NODE_OUTPUT, bytes("probabilities"))
			.addField(OnnxModel.NODE_NAME, bytes("final_" + op.toLowerCase()))
			.addField(OnnxModel.NODE_OP_TYPE, bytes(op));
		if (axis != null) nodeBuilder.addField(OnnxModel.NODE_ATTRIBUTE, UnknownFieldSet.Field.newBuilder().addLengthDelimited(attribute.toByteString()).build());
		UnknownFieldSet node = nodeBuilder.build();
		UnknownFieldSet.Field.Builder nodes = UnknownFieldSet.Field.newBuilder();
		for (ByteString n : graph.getField(OnnxModel.GRAPH_NODE).getLengthDelimitedList()) nodes.addLengthDelimited(n);
		nodes.addLengthDelimited(node.toByteString());
		UnknownFieldSet output = UnknownFieldSet.newBuilder().addField(OnnxModel.VALUE_NAME, bytes("probabilities")).build();
		UnknownFieldSet newGraph = UnknownFieldSet.newBuilder(graph)
			.clearField(OnnxModel.GRAPH_NODE).addField(OnnxModel.GRAPH_NODE, nodes.build())
			.clearField(OnnxModel.GRAPH_OUTPUT).addField(OnnxModel.GRAPH_OUTPUT, UnknownFieldSet.Field.newBuilder().addLengthDelimited(output.toByteString()).build())
			.build();
		UnknownFieldSet newModel = UnknownFieldSet.newBuilder(model)
			.clearField(OnnxModel.MODEL_GRAPH).addField(OnnxModel.MODEL_GRAPH, UnknownFieldSet.Field.newBuilder().addLengthDelimited(newGraph.toByteString()).build())
			.build();
		Files.createDirectories(dir);
		Path file = dir.resolve(source.getFileName());
		Path card = source.resolveSibling("conceptscope.json");
		if (Files.isRegularFile(card)) Files.copy(card, dir.resolve(card.getFileName()));
		Files.write(file, newModel.toByteArray());
		return file;
	}

	private static UnknownFieldSet.Field bytes(String s) {
		return UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8(s)).build();
	}
}
