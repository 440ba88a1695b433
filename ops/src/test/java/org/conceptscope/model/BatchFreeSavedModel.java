package org.conceptscope.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A SavedModel without a batch axis made from the bundled IHC stain classifier (input {@code input:0} [N, 32, 32, 3],
 * outputs {@code logits:0} and its softmax {@code probabilities:0} [N, 3]), as a TensorFlow function exported with the
 * input signature [32, 32, 3] writes it: the input placeholder takes one image [32, 32, 3], the graph puts the batch axis
 * of one in itself ({@code tf.expand_dims(x, 0)}, node {@code input_batch}) and takes it off each output again, the
 * logits with a Squeeze ({@code tf.squeeze(y, 0)}) and the probabilities with a Reshape to [3]. The weights (variables/)
 * and every other node are the bundled model's, so both compute the same function of one image.
 */
public final class BatchFreeSavedModel {

	private BatchFreeSavedModel() {}

	/** Writes the batch-free IHC stain classifier into {@code dir} (created) and returns it. */
	public static Path withoutBatchAxis(Path source, Path dir) throws IOException {
		return withoutBatchAxis(source, dir, new long[] { 32, 32, 3 }, new long[] { 3 });
	}

	/**
	 * The same for any bundled model with this signature (input, logits, probabilities): {@code image} is the input without
	 * its batch axis, {@code output} the outputs' ([3] for the classifier, [32, 32, 3] for the IHC segmentation network).
	 */
	public static Path withoutBatchAxis(Path source, Path dir, long[] image, long[] output) throws IOException {
		return withoutBatchAxis(source, dir, image, output, 0, false);
	}

	/**
	 * The same with the model's batch axis put in as {@code tf.expand_dims(x, batchAxis)} (0, or -4: the same axis of an
	 * image [H, W, C]); {@code doubledLogits}: one more node, {@code logits_doubled} = 2 * the logits without their batch
	 * axis ([3], no Squeeze or Reshape of a batch of one: an output a model might compute on the one image), and
	 * {@code logits_narrowed}, the logits [1, 3] widened to [1, 1, 3] and squeezed back on axis 1, both used by nothing.
	 */
	public static Path withoutBatchAxis(Path source, Path dir, long[] image, long[] output, int batchAxis, boolean doubledLogits)
		throws IOException {
		SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(source.resolve("saved_model.pb")));
		MetaGraphDef meta = saved.getMetaGraphs(0);
		SignatureDef sig = meta.getSignatureDefOrThrow("serving_default");
		if (!sig.getInputsOrThrow("input").getName().equals("input:0") || !sig.getOutputsOrThrow("logits").getName().equals("logits:0")) {
			throw new IllegalStateException("not the bundled IHC model's signature: " + sig);
		}
		AttrValue f32 = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build(), i32 = AttrValue.newBuilder().setType(DataType.DT_INT32).build();
		TensorShapeProto imageShape = shape(image), classes = shape(output);
		GraphDef.Builder g = GraphDef.newBuilder().setVersions(meta.getGraphDef().getVersions()).setLibrary(meta.getGraphDef().getLibrary());
		for (NodeDef n : meta.getGraphDef().getNodeList()) {
			if (n.getName().equals("input")) {
				g.addNode(n.toBuilder().putAttr("shape", AttrValue.newBuilder().setShape(imageShape).build()).build());
				continue;
			}
			NodeDef.Builder b = n.toBuilder().clearInput();
			for (String in : n.getInputList()) b.addInput(in.equals("input") || in.equals("input:0") ? "input_batch" : in);
			g.addNode(b.build());
		}
		g.addNode(constant("batch_axis", TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(TensorShapeProto.getDefaultInstance())
			.addIntVal(batchAxis).build()));
		g.addNode(NodeDef.newBuilder().setName("input_batch").setOp("ExpandDims").addInput("input").addInput("batch_axis").putAttr("T", f32)
			.putAttr("Tdim", i32).build());
		g.addNode(NodeDef.newBuilder().setName("logits_image").setOp("Squeeze").addInput("logits").putAttr("T", f32)
			.putAttr("squeeze_dims", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addI(0)).build()).build());
		if (doubledLogits) {
			g.addNode(NodeDef.newBuilder().setName("logits_doubled").setOp("AddV2").addInput("logits_image").addInput("logits_image")
				.putAttr("T", f32).build());
			// [1, 3] -> [1, 1, 3] -> [1, 3]: a Squeeze of an inner axis of one, whose result keeps the batch axis
			g.addNode(constant("inner_axis", TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(TensorShapeProto.getDefaultInstance())
				.addIntVal(1).build()));
			g.addNode(NodeDef.newBuilder().setName("logits_wide").setOp("ExpandDims").addInput("logits").addInput("inner_axis").putAttr("T", f32)
				.putAttr("Tdim", i32).build());
			g.addNode(NodeDef.newBuilder().setName("logits_narrowed").setOp("Squeeze").addInput("logits_wide").putAttr("T", f32)
				.putAttr("squeeze_dims", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addI(1)).build()).build());
		}
		TensorProto.Builder sizes = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(output.length));
		for (long d : output) sizes.addIntVal((int) d);
		g.addNode(constant("classes", sizes.build()));
		g.addNode(NodeDef.newBuilder().setName("probabilities_image").setOp("Reshape").addInput("probabilities").addInput("classes")
			.putAttr("T", f32).putAttr("Tshape", i32).build());
		SignatureDef s = sig.toBuilder().clearInputs().clearOutputs()
			.putInputs("input", TensorInfo.newBuilder().setName("input:0").setDtype(DataType.DT_FLOAT).setTensorShape(imageShape).build())
			.putAllOutputs(Map.of("logits", TensorInfo.newBuilder().setName("logits_image:0").setDtype(DataType.DT_FLOAT).setTensorShape(classes).build(),
				"probabilities", TensorInfo.newBuilder().setName("probabilities_image:0").setDtype(DataType.DT_FLOAT).setTensorShape(classes).build()))
			.build();
		MetaGraphDef rewritten = meta.toBuilder().setGraphDef(g).putSignatureDef("serving_default", s).build();
		Files.createDirectories(dir.resolve("variables"));
		Files.write(dir.resolve("saved_model.pb"), saved.toBuilder().setMetaGraphs(0, rewritten).build().toByteArray());
		try (var files = Files.list(source.resolve("variables"))) {
			for (Path p : (Iterable<Path>) files::iterator) Files.copy(p, dir.resolve("variables").resolve(p.getFileName().toString()));
		}
		return dir;
	}

	private static NodeDef constant(String name, TensorProto value) {
		return NodeDef.newBuilder().setName(name).setOp("Const").putAttr("dtype", AttrValue.newBuilder().setType(value.getDtype()).build())
			.putAttr("value", AttrValue.newBuilder().setTensor(value).build()).build();
	}

	private static TensorShapeProto shape(long... dims) {
		TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
		for (long d : dims) b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
		return b.build();
	}
}
