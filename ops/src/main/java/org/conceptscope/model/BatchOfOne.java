package org.conceptscope.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A SavedModel whose signature takes one image without a batch axis ([height, width, channels], as a bioimage.io 0.5
 * input that leaves the batch axis out declares it) and gives its outputs for that image without one, rewritten before
 * TensorFlow loads it into a model with a batch of one: a new placeholder {@value #INPUT} [1, H, W, C] feeds the
 * original input node, which becomes a Squeeze of it (every consumer still reads [H, W, C]), and each signature output
 * gets an ExpandDims ({@value #OUTPUT}{@code i}) that puts the batch axis of one back. The signature is changed to
 * name these tensors. Nothing of the model's own computation changes; ConceptScope then runs it as a model with a
 * fixed batch size of 1 (one image per run), so its gradients are TensorFlow's through the model's own ops and its
 * layers are the model's tensors that carry the batch of one the graph makes itself (e.g. after its
 * {@code tf.expand_dims(x, 0)}).
 */
final class BatchOfOne {

	private BatchOfOne() {}

	static final String INPUT = "conceptscope_batch_input";
	static final String OUTPUT = "conceptscope_batch_output_";
	private static final String AXIS = "conceptscope_batch_axis";

	/**
	 * The meta graph with its signature {@code key} wrapped as above.
	 *
	 * @throws ModelLoadException when the signature's input is not a placeholder of rank 3, or an output's type is unknown
	 */
	static MetaGraphDef wrap(MetaGraphDef meta, String key, Path dir) {
		SignatureDef sig = meta.getSignatureDefMap().get(key);
		if (sig == null || sig.getInputsCount() != 1) return meta; // the classifier refuses it in its own sentence
		Map.Entry<String, TensorInfo> in = sig.getInputsMap().entrySet().iterator().next();
		String tensor = in.getValue().getName(), name = GraphSafety.nodeName(tensor);
		GraphDef graph = meta.getGraphDef();
		NodeDef placeholder = null;
		Set<String> names = new HashSet<>();
		for (NodeDef n : graph.getNodeList()) {
			names.add(n.getName());
			if (n.getName().equals(name)) placeholder = n;
		}
		if (placeholder == null || !placeholder.getOp().equals("Placeholder") || !(tensor.equals(name) || tensor.equals(name + ":0"))) {
			throw new ModelLoadException(dir + ": the input '" + in.getKey() + "' is the tensor " + tensor + " (" + (placeholder == null
				? "not in the graph" : "operation " + placeholder.getOp()) + "), not a placeholder, and ConceptScope runs a SavedModel whose input"
				+ " has no batch axis (as its description declares) one image at a time by feeding that placeholder: re-export the model with"
				+ " its input as a placeholder, or with a batch axis.");
		}
		TensorShapeProto shape = placeholder.containsAttr("shape") ? placeholder.getAttrOrThrow("shape").getShape() : null;
		if (shape == null || shape.getUnknownRank() || shape.getDimCount() != 3) {
			throw new ModelLoadException(dir + ": the input '" + in.getKey() + "' has shape " + describe(shape) + " but the model's description"
				+ " (rdf.yaml) declares it without a batch axis, [height, width, channels]: the package is inconsistent; declare the axes the"
				+ " SavedModel takes (with the batch axis for [N, height, width, channels]).");
		}
		for (String n : List.of(INPUT, AXIS)) {
			if (names.contains(n)) throw new ModelLoadException("The SavedModel " + dir + " already has a node named " + n + "; ConceptScope adds it.");
		}
		AttrValue dtype = placeholder.getAttrOrThrow("dtype");
		TensorShapeProto batched = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(1)).addAllDim(shape.getDimList())
			.build();
		List<NodeDef> nodes = new ArrayList<>();
		nodes.add(NodeDef.newBuilder().setName(INPUT).setOp("Placeholder").putAttr("dtype", dtype)
			.putAttr("shape", AttrValue.newBuilder().setShape(batched).build()).build());
		nodes.add(NodeDef.newBuilder().setName(AXIS).setOp("Const").putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_INT32).build())
			.putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_INT32)
				.setTensorShape(TensorShapeProto.getDefaultInstance()).addIntVal(0)).build()).build());
		for (NodeDef n : graph.getNodeList()) {
			if (!n.getName().equals(name)) {
				nodes.add(n);
				continue;
			}
			// the original input, now the image without its batch axis of one
			nodes.add(NodeDef.newBuilder().setName(name).setOp("Squeeze").setDevice(n.getDevice()).addInput(INPUT).putAttr("T", dtype)
				.putAttr("squeeze_dims", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder().addI(0)).build()).build());
		}
		SignatureDef.Builder s = sig.toBuilder().clearInputs()
			.putInputs(in.getKey(), in.getValue().toBuilder().setName(INPUT + ":0").setTensorShape(batched).build()).clearOutputs();
		int i = 0;
		for (Map.Entry<String, TensorInfo> out : new TreeMap<>(sig.getOutputsMap()).entrySet()) {
			String node = OUTPUT + i++;
			if (names.contains(node)) throw new ModelLoadException("The SavedModel " + dir + " already has a node named " + node + "; ConceptScope adds it.");
			TensorInfo t = out.getValue();
			if (t.getDtype() == DataType.DT_INVALID || t.getName().isEmpty()) {
				throw new ModelLoadException("The output '" + out.getKey() + "' of " + dir + " is no single tensor of known type; ConceptScope reads"
					+ " outputs that are tensors.");
			}
			nodes.add(NodeDef.newBuilder().setName(node).setOp("ExpandDims").addInput(t.getName()).addInput(AXIS)
				.putAttr("T", AttrValue.newBuilder().setType(t.getDtype()).build())
				.putAttr("Tdim", AttrValue.newBuilder().setType(DataType.DT_INT32).build()).build());
			TensorInfo.Builder b = t.toBuilder().setName(node + ":0");
			if (t.hasTensorShape() && !t.getTensorShape().getUnknownRank()) {
				b.setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(1))
					.addAllDim(t.getTensorShape().getDimList()));
			}
			s.putOutputs(out.getKey(), b.build());
		}
		GraphDef g = graph.toBuilder().clearNode().addAllNode(nodes).build();
		return meta.toBuilder().setGraphDef(g).putSignatureDef(key, s.build()).build();
	}

	private static String describe(TensorShapeProto shape) {
		if (shape == null || shape.getUnknownRank()) return "of unknown rank";
		List<Long> dims = new ArrayList<>();
		for (TensorShapeProto.Dim d : shape.getDimList()) dims.add(d.getSize());
		return dims.toString();
	}
}
