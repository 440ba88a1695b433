package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The rewrite of a SavedModel without a batch axis into one with a batch of one, on hand-made graphs (no TensorFlow
 * runtime): what it adds and renames, and the two inputs it refuses in one sentence. The models it makes run in
 * BatchFreePackageTest.
 */
class BatchOfOneTest {

	static final Path DIR = Path.of("/models/one-image");

	static TensorShapeProto shape(long... dims) {
		TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
		for (long d : dims) b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
		return b.build();
	}

	/** x: Placeholder of the given shape; y = Relu(x) (or of the input's Identity); signature x:0 (or its Identity) -> y:0. */
	static MetaGraphDef meta(TensorShapeProto inputShape, boolean identityInput) {
		AttrValue f32 = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
		GraphDef.Builder g = GraphDef.newBuilder()
			.addNode(NodeDef.newBuilder().setName("x").setOp("Placeholder").putAttr("dtype", f32).putAttr("shape", AttrValue.newBuilder().setShape(inputShape).build()))
			.addNode(NodeDef.newBuilder().setName("x_copy").setOp("Identity").addInput("x").putAttr("T", f32))
			.addNode(NodeDef.newBuilder().setName("y").setOp("Relu").addInput(identityInput ? "x_copy" : "x:0").putAttr("T", f32));
		SignatureDef sig = SignatureDef.newBuilder()
			.putInputs("image", TensorInfo.newBuilder().setName(identityInput ? "x_copy:0" : "x:0").setDtype(DataType.DT_FLOAT).setTensorShape(inputShape).build())
			.putOutputs("map", TensorInfo.newBuilder().setName("y:0").setDtype(DataType.DT_FLOAT).setTensorShape(inputShape).build()).build();
		return MetaGraphDef.newBuilder().setGraphDef(g).putSignatureDef("serving_default", sig).build();
	}

	@Test
	void theInputIsFedThroughASqueezeOfANewPlaceholderAndEachOutputGetsItsBatchAxisBack() {
		MetaGraphDef m = BatchOfOne.wrap(meta(shape(8, 8, 3), false), "serving_default", DIR);
		Map<String, NodeDef> nodes = m.getGraphDef().getNodeList().stream().collect(Collectors.toMap(NodeDef::getName, n -> n));
		NodeDef in = nodes.get(BatchOfOne.INPUT);
		assertEquals("Placeholder", in.getOp());
		assertEquals(shape(1, 8, 8, 3), in.getAttrOrThrow("shape").getShape());
		// the original input node keeps its name, so every consumer reads the image [8, 8, 3] as before
		NodeDef x = nodes.get("x");
		assertEquals("Squeeze", x.getOp());
		assertEquals(List.of(BatchOfOne.INPUT), x.getInputList());
		assertEquals(List.of(0L), x.getAttrOrThrow("squeeze_dims").getList().getIList());
		assertEquals(List.of("x:0"), nodes.get("y").getInputList());
		NodeDef out = nodes.get(BatchOfOne.OUTPUT + 0);
		assertEquals("ExpandDims", out.getOp());
		assertEquals("y:0", out.getInput(0));
		SignatureDef sig = m.getSignatureDefOrThrow("serving_default");
		assertEquals(BatchOfOne.INPUT + ":0", sig.getInputsOrThrow("image").getName());
		assertEquals(shape(1, 8, 8, 3), sig.getInputsOrThrow("image").getTensorShape());
		assertEquals(BatchOfOne.OUTPUT + "0:0", sig.getOutputsOrThrow("map").getName());
		assertEquals(shape(1, 8, 8, 3), sig.getOutputsOrThrow("map").getTensorShape());
		assertEquals(6, nodes.size()); // x, x_copy, y, and the new input, axis and output
	}

	@Test
	void anInputWithABatchAxisOrNoPlaceholderIsRefusedInOneSentence() {
		String batched = assertThrows(ModelLoadException.class, () -> BatchOfOne.wrap(meta(shape(-1, 8, 8, 3), false), "serving_default", DIR))
			.getMessage();
		assertEquals(DIR + ": the input 'image' has shape [-1, 8, 8, 3] but the model's description (rdf.yaml) declares it without a batch"
			+ " axis, [height, width, channels]: the package is inconsistent; declare the axes the SavedModel takes (with the batch axis"
			+ " for [N, height, width, channels]).", batched);
		String identity = assertThrows(ModelLoadException.class, () -> BatchOfOne.wrap(meta(shape(8, 8, 3), true), "serving_default", DIR))
			.getMessage();
		assertEquals(DIR + ": the input 'image' is the tensor x_copy:0 (operation Identity), not a placeholder, and ConceptScope runs a"
			+ " SavedModel whose input has no batch axis (as its description declares) one image at a time by feeding that placeholder:"
			+ " re-export the model with its input as a placeholder, or with a batch axis.", identity);
	}
}
