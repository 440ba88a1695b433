package org.conceptscope.model.onnx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;

/**
 * An ONNX graph without a batch axis, made from a batched one (opset 13 or later) by writing the protobuf fields:
 * a new input {@code image} of the given dims feeds Unsqueeze(axes=[0]) into the old input, and the old output goes
 * through Squeeze(axes=[0]) to the new output {@code scores}. It computes, for one image [C, H, W], row 0 of what the
 * batched graph gives for [1, C, H, W] (a bioimage.io 0.5 model whose axes leave out the batch axis).
 */
public final class BatchFreeOnnx {

	private BatchFreeOnnx() {}

	public static Path withoutBatchAxis(Path source, long[] imageDims, long[] scoreDims, Path file) throws Exception {
		UnknownFieldSet model = UnknownFieldSet.parseFrom(Files.readAllBytes(source));
		UnknownFieldSet graph = UnknownFieldSet.parseFrom(model.getField(OnnxModel.MODEL_GRAPH).getLengthDelimitedList().get(0));
		String oldInput = name(graph.getField(OnnxModel.GRAPH_INPUT).getLengthDelimitedList().get(0));
		List<ByteString> outputs = graph.getField(OnnxModel.GRAPH_OUTPUT).getLengthDelimitedList();
		if (outputs.size() != 1) throw new IllegalArgumentException(source + " has " + outputs.size() + " outputs");
		String oldOutput = name(outputs.get(0));
		UnknownFieldSet axes = UnknownFieldSet.newBuilder() // TensorProto: dims [1], INT64, name, raw_data 0L
			.addField(1, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
			.addField(2, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
			.addField(8, bytes("batch_axis"))
			.addField(9, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFrom(new byte[8])).build())
			.build();
		UnknownFieldSet.Field.Builder nodes = UnknownFieldSet.Field.newBuilder();
		nodes.addLengthDelimited(node("Unsqueeze", "add_batch", "image", oldInput));
		for (ByteString n : graph.getField(OnnxModel.GRAPH_NODE).getLengthDelimitedList()) nodes.addLengthDelimited(n);
		nodes.addLengthDelimited(node("Squeeze", "drop_batch", oldOutput, "scores"));
		UnknownFieldSet.Field.Builder initializers = UnknownFieldSet.Field.newBuilder();
		if (graph.hasField(OnnxModel.GRAPH_INITIALIZER)) {
			for (ByteString t : graph.getField(OnnxModel.GRAPH_INITIALIZER).getLengthDelimitedList()) initializers.addLengthDelimited(t);
		}
		initializers.addLengthDelimited(axes.toByteString());
		UnknownFieldSet newGraph = UnknownFieldSet.newBuilder(graph)
			.clearField(OnnxModel.GRAPH_NODE).addField(OnnxModel.GRAPH_NODE, nodes.build())
			.clearField(OnnxModel.GRAPH_INITIALIZER).addField(OnnxModel.GRAPH_INITIALIZER, initializers.build())
			.clearField(OnnxModel.GRAPH_VALUE_INFO)
			.clearField(OnnxModel.GRAPH_INPUT).addField(OnnxModel.GRAPH_INPUT, field(valueInfo("image", imageDims)))
			.clearField(OnnxModel.GRAPH_OUTPUT).addField(OnnxModel.GRAPH_OUTPUT, field(valueInfo("scores", scoreDims)))
			.build();
		UnknownFieldSet newModel = UnknownFieldSet.newBuilder(model)
			.clearField(OnnxModel.MODEL_GRAPH).addField(OnnxModel.MODEL_GRAPH, field(newGraph.toByteString()))
			.build();
		Files.createDirectories(file.getParent());
		Files.write(file, newModel.toByteArray());
		return file;
	}

	private static String name(ByteString valueInfo) throws Exception {
		return UnknownFieldSet.parseFrom(valueInfo).getField(OnnxModel.VALUE_NAME).getLengthDelimitedList().get(0).toStringUtf8();
	}

	private static ByteString node(String op, String name, String input, String output) {
		return UnknownFieldSet.newBuilder()
			.addField(OnnxModel.NODE_INPUT, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8(input))
				.addLengthDelimited(ByteString.copyFromUtf8("batch_axis")).build())
			.addField(OnnxModel.NODE_OUTPUT, bytes(output))
			.addField(OnnxModel.NODE_NAME, bytes(name))
			.addField(OnnxModel.NODE_OP_TYPE, bytes(op))
			.build().toByteString();
	}

	/** A ValueInfoProto of a float tensor with fixed dims. */
	private static ByteString valueInfo(String name, long[] dims) {
		UnknownFieldSet.Field.Builder ds = UnknownFieldSet.Field.newBuilder();
		for (long d : dims) {
			ds.addLengthDelimited(UnknownFieldSet.newBuilder().addField(OnnxModel.DIM_VALUE, UnknownFieldSet.Field.newBuilder().addVarint(d).build())
				.build().toByteString());
		}
		ByteString shape = UnknownFieldSet.newBuilder().addField(OnnxModel.SHAPE_DIM, ds.build()).build().toByteString();
		ByteString tensor = UnknownFieldSet.newBuilder()
			.addField(OnnxModel.TENSOR_TYPE_ELEM, UnknownFieldSet.Field.newBuilder().addVarint(OnnxModel.ELEM_FLOAT).build())
			.addField(OnnxModel.TENSOR_TYPE_SHAPE, field(shape)).build().toByteString();
		ByteString type = UnknownFieldSet.newBuilder().addField(OnnxModel.TYPE_TENSOR, field(tensor)).build().toByteString();
		return UnknownFieldSet.newBuilder().addField(OnnxModel.VALUE_NAME, bytes(name)).addField(OnnxModel.VALUE_TYPE, field(type)).build().toByteString();
	}

	private static UnknownFieldSet.Field field(ByteString b) {
		return UnknownFieldSet.Field.newBuilder().addLengthDelimited(b).build();
	}

	private static UnknownFieldSet.Field bytes(String s) {
		return field(ByteString.copyFromUtf8(s));
	}
}
