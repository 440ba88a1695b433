package org.conceptscope.testmodels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Writes a SavedModel the way TF2's {@code tf.saved_model.save} writes a Keras model: the serving
 * signature calls a wrapper function through StatefulPartitionedCall, which calls the model
 * function, which calls one function per Keras layer or block (nested as deep as the network
 * nests them). Variables are VarHandleOps of the main graph, passed down to every function that
 * reads them as resource arguments; a restore function reads the checkpoint. Weights are drawn
 * from a seeded generator when a layer first asks for them.
 */
final class KerasGraph {

	/** The body of a function: its output from its input. */
	interface Body {
		Output<TFloat32> apply(Fn f, Output<TFloat32> x);
	}

	private final Random random;
	final Map<String, FloatTensor> weights = new LinkedHashMap<>();
	private final List<ConcreteFunction> functions = new ArrayList<>();
	private int functionIds;

	KerasGraph(long seed) {
		this.random = new Random(seed);
	}

	/** One function under construction: its graph, its resource arguments (one per variable it reads, directly or through calls). */
	final class Fn {
		final Ops tf;
		final Graph g;
		final Map<String, Output<?>> handles = new LinkedHashMap<>();
		private final Map<Output<?>, Shape> shapes = new HashMap<>();
		private final Map<String, Integer> names = new HashMap<>();

		Fn(Ops tf) {
			this.tf = tf;
			this.g = (Graph) tf.scope().env();
		}

		/** A unique node name in this function, Keras style: conv2d, conv2d_1, ... */
		String unique(String base) {
			int n = names.merge(base, 1, Integer::sum) - 1;
			return n == 0 ? base : base + "_" + n;
		}

		Output<?> handle(String var) {
			return handles.computeIfAbsent(var, v -> g.opBuilder("Placeholder", unique(v.replace('/', '_') + "_readvariableop_resource"),
				tf.scope()).setAttr("dtype", DataType.DT_RESOURCE).build().output(0));
		}

		/**
		 * The variable {@code var}: drawn once (mean + scale * N(0, 1), or 1 + |scale N| for
		 * positive ones when {@code positive}), read through a ReadVariableOp.
		 */
		Output<TFloat32> weight(String var, double mean, double scale, boolean positive, long... shape) {
			weights.computeIfAbsent(var, v -> {
				FloatTensor t = FloatTensor.zeros(shape);
				for (int i = 0; i < t.size(); i++) {
					double n = random.nextGaussian() * scale;
					t.data()[i] = (float) (positive ? mean + Math.abs(n) : mean + n);
				}
				return t;
			});
			return g.opBuilder("ReadVariableOp", unique(var.replace('/', '_') + "/ReadVariableOp"), tf.scope()).addInput(handle(var))
				.setAttr("dtype", DataType.DT_FLOAT).build().output(0);
		}

		/** A float operation of this function's graph; {@code attrs} pairs name, value (long[], String, Boolean, Float, DataType). */
		Output<TFloat32> op(String type, String name, List<Output<?>> inputs, Object... attrs) {
			GraphOperationBuilder b = g.opBuilder(type, unique(name), tf.scope());
			for (Output<?> in : inputs) b.addInput(in);
			setAttrs(b, attrs);
			Output<TFloat32> y = b.build().output(0);
			if (!known(y.shape())) shapes.put(y, fallbackShape(type, inputs, attrs));
			return y;
		}

		/**
		 * The shape of an operation whose inputs come from calls or variables (resource arguments
		 * carry no shapes when built from Java; after loading, TensorFlow infers them all).
		 */
		private Shape fallbackShape(String type, List<Output<?>> inputs, Object[] attrs) {
			long[] x = shape(inputs.get(0)).asArray();
			switch (type) {
				case "MaxPool", "AvgPool" -> {
					long[] k = (long[]) attr(attrs, "ksize"), st = (long[]) attr(attrs, "strides");
					boolean valid = attr(attrs, "padding").equals("VALID");
					long[] o = x.clone();
					for (int d = 1; d <= 2; d++) o[d] = valid ? (x[d] - k[d]) / st[d] + 1 : (x[d] + st[d] - 1) / st[d];
					return Shape.of(o);
				}
				case "Pad" -> {
					int[] p = intsOf(inputs.get(1));
					long[] o = x.clone();
					for (int d = 1; d < o.length; d++) o[d] += p[2 * d] + p[2 * d + 1];
					return Shape.of(o);
				}
				case "Mean" -> {
					// axes are the constant second input
					Output<?> axes = inputs.get(1);
					int[] ax = intsOf(axes);
					boolean keep = Boolean.TRUE.equals(attr(attrs, "keep_dims"));
					List<Long> o = new ArrayList<>();
					for (int d = 0; d < x.length; d++) {
						boolean reduced = false;
						for (int a : ax) reduced |= Math.floorMod(a, x.length) == d;
						if (!reduced) o.add(x[d]);
						else if (keep) o.add(1L);
					}
					return Shape.of(o.stream().mapToLong(Long::longValue).toArray());
				}
				default -> {
					// element-wise with broadcasting
					long[] best = x;
					for (Output<?> in : inputs) {
						long[] s = shape(in).asArray();
						if (s == null) continue;
						if (best == null || s.length > best.length) best = s;
					}
					long[] o = best.clone();
					for (Output<?> in : inputs) {
						long[] s = shape(in).asArray();
						if (s == null) continue;
						for (int i = 0; i < s.length; i++) {
							int d = o.length - s.length + i;
							if (o[d] <= 1) o[d] = s[i] == 1 && o[d] == -1 ? -1 : Math.max(o[d], s[i]);
						}
					}
					return Shape.of(o);
				}
			}
		}

		private int[] intsOf(Output<?> constant) {
			AttrValue v = constantValues.get(constant.op().name());
			if (v == null) throw new IllegalStateException("not a known constant: " + constant.op().name());
			return v.getList().getIList().stream().mapToInt(Long::intValue).toArray();
		}

		private final Map<String, AttrValue> constantValues = new HashMap<>();

		private Object attr(Object[] attrs, String k) {
			for (int i = 0; i < attrs.length; i += 2) if (attrs[i].equals(k)) return attrs[i + 1];
			return null;
		}

		/** An operation with a list input (ConcatV2's values) followed by single inputs. */
		Output<TFloat32> opList(String type, String name, List<Output<?>> list, List<Output<?>> inputs, Object... attrs) {
			GraphOperationBuilder b = g.opBuilder(type, unique(name), tf.scope());
			b.addInputList(list.toArray(new Output<?>[0]));
			for (Output<?> in : inputs) b.addInput(in);
			setAttrs(b, attrs);
			Output<TFloat32> y = b.build().output(0);
			if (!known(y.shape())) { // ConcatV2 on the last axis
				long[] o = shape(list.get(0)).asArray().clone();
				for (int i = 1; i < list.size(); i++) o[o.length - 1] += shape(list.get(i)).asArray()[o.length - 1];
				shapes.put(y, Shape.of(o));
			}
			return y;
		}

		private void setAttrs(GraphOperationBuilder b, Object[] attrs) {
			for (int i = 0; i < attrs.length; i += 2) {
				String k = (String) attrs[i];
				Object v = attrs[i + 1];
				if (v instanceof long[] l) b.setAttr(k, l);
				else if (v instanceof String s) b.setAttr(k, s);
				else if (v instanceof Boolean z) b.setAttr(k, z);
				else if (v instanceof Float f) b.setAttr(k, f);
				else if (v instanceof DataType d) b.setAttr(k, d);
				else throw new IllegalArgumentException("attribute " + k);
			}
		}

		Output<?> ints(int... v) {
			Output<?> o = tf.constant(v).asOutput();
			AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
			for (int i : v) l.addI(i);
			constantValues.put(o.op().name(), AttrValue.newBuilder().setList(l).build());
			return o;
		}

		/** A constant [rank, 2] of paddings, given row by row. */
		Output<?> ints2d(int... v) {
			int[][] rows = new int[v.length / 2][];
			for (int i = 0; i < rows.length; i++) rows[i] = new int[] { v[2 * i], v[2 * i + 1] };
			Output<?> o = tf.constant(rows).asOutput();
			AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
			for (int i : v) l.addI(i);
			constantValues.put(o.op().name(), AttrValue.newBuilder().setList(l).build());
			return o;
		}

		static boolean known(Shape s) {
			if (s == null || s.isUnknown()) return false;
			long[] a = s.asArray();
			for (int i = 1; i < a.length; i++) if (a[i] < 0) return false;
			return true;
		}

		Output<?> scalar(float v) {
			return tf.constant(v).asOutput();
		}

		/** The static shape of a tensor of this function (calls' outputs are known from their bodies). */
		Shape shape(Output<?> o) {
			Shape s = shapes.get(o);
			return s != null ? s : o.shape();
		}

		/**
		 * Calls a new function (a Keras layer or block) named {@code name} on x: its body is built
		 * in its own graph, its variables come in as resource arguments from this function's.
		 */
		Output<TFloat32> call(String name, Output<TFloat32> x, Body body) {
			return call(name, x, null, body);
		}

		/** A call whose output shape is given (a layer reading variables, whose shapes the function graph does not know). */
		Output<TFloat32> call(String name, Output<TFloat32> x, Shape shape, Body body) {
			Shape in = shape(x);
			Fn[] inner = new Fn[1];
			Shape[] out = new Shape[1];
			ConcreteFunction f = ConcreteFunction.create(tf2 -> {
				Fn c = new Fn(tf2);
				inner[0] = c;
				Placeholder<TFloat32> p = tf2.withName("inputs").placeholder(TFloat32.class, Placeholder.shape(in));
				Output<TFloat32> y = body.apply(c, p.asOutput());
				out[0] = c.shape(y);
				if (shape == null && !known(out[0])) throw new IllegalStateException(name + ": output shape unknown");
				Signature.Builder s = Signature.builder().key("__inference_" + name.replace('/', '_') + "_layer_call_and_return_conditional_losses_" + (++functionIds))
					.input("inputs", p);
				int i = 0;
				for (Output<?> h : c.handles.values()) s.input("resource_" + i++, any(h));
				return s.output("output_0", tf2.withName("Identity").identity(y)).build();
			});
			functions.add(f);
			List<Operand<?>> args = new ArrayList<>();
			args.add(x);
			for (String var : inner[0].handles.keySet()) args.add(handle(var));
			@SuppressWarnings("unchecked")
			Output<TFloat32> y = (Output<TFloat32>) tf.withName(unique(name.replace('/', '_'))).statefulPartitionedCall(args, List.of(TFloat32.class), f)
				.output().get(0);
			shapes.put(y, shape != null ? shape : out[0]);
			return y;
		}
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	static Operand<TType> any(Output<?> o) {
		return (Operand) o;
	}

	/**
	 * Writes the SavedModel to {@code dir}: input [-1, size, size, channels], the model function
	 * {@code body} (logits out; a softmax is added as Keras's last activation), called through the
	 * signature wrapper, with every variable in variables/.
	 */
	void write(Path dir, int size, int channels, Body body) throws IOException {
		TensorFlowEngine.start();
		Shape image = Shape.of(-1, size, size, channels);
		GraphDef graph;
		List<String> vars;
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Fn main = new Fn(tf);
			Placeholder<TFloat32> input = tf.withName("serving_default_input_1").placeholder(TFloat32.class, Placeholder.shape(image));
			// the signature wrapper calls the model, which calls its layers
			Output<TFloat32> probs = main.call("StatefulPartitionedCall", input.asOutput(), (w, x) -> w.call("model", x, (m, xx) -> {
				Output<TFloat32> logits = body.apply(m, xx);
				return m.op("Softmax", "predictions/Softmax", List.of(logits));
			}));
			vars = new ArrayList<>(main.handles.keySet());
			// the wrapper's resource placeholders in the main graph become VarHandleOps: rebuild the graph with them
			graph = g.toGraphDef();
			graph = withVarHandles(graph, main.handles, vars);
			String probsName = probs.op().name();
			Path checkpoint = dir.resolve("variables").resolve("variables");
			Files.createDirectories(checkpoint.getParent());
			writeCheckpoint(checkpoint, vars);
			graph = withRestore(graph, vars);
			SaverDef saver = SaverDef.newBuilder().setFilenameTensorName("saver_filename:0").setRestoreOpName("StatefulPartitionedCall_2")
				.setVersion(SaverDef.CheckpointFormatVersion.V2).build();
			writeSavedModel(dir, graph, "serving_default_input_1:0", image, probsName + ":0", saver);
		} finally {
			for (ConcreteFunction f : functions) f.close();
			functions.clear();
		}
	}

	/** Turns the main graph's resource placeholders into VarHandleOps sharing the variables' names. */
	private GraphDef withVarHandles(GraphDef graph, Map<String, Output<?>> handles, List<String> vars) {
		Map<String, String> byNode = new HashMap<>();
		for (String v : vars) byNode.put(handles.get(v).op().name(), v);
		GraphDef.Builder b = graph.toBuilder();
		for (var n : b.getNodeBuilderList()) {
			String v = byNode.get(n.getName());
			if (v == null) continue;
			n.setOp("VarHandleOp").clearAttr().putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
				.putAttr("shape", AttrValue.newBuilder().setShape(shape(Shape.of(weights.get(v).shape()))).build())
				.putAttr("shared_name", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build())
				.putAttr("container", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build())
				.putAttr("allowed_devices", AttrValue.newBuilder().setList(AttrValue.ListValue.newBuilder()).build());
		}
		return b.build();
	}

	private GraphDef withRestore(GraphDef graph, List<String> vars) {
		ConcreteFunction restore = ConcreteFunction.create(tf -> {
			Placeholder<TString> prefix = tf.withName("file_prefix").placeholder(TString.class);
			List<Output<?>> h = new ArrayList<>();
			for (int i = 0; i < vars.size(); i++) {
				h.add(((Graph) tf.scope().env()).opBuilder("Placeholder", "restorev2_resource_" + i, tf.scope())
					.setAttr("dtype", DataType.DT_RESOURCE).build().output(0));
			}
			List<Class<? extends TType>> types = new ArrayList<>();
			for (int i = 0; i < vars.size(); i++) types.add(TFloat32.class);
			String[] slices = new String[vars.size()];
			java.util.Arrays.fill(slices, "");
			Restore read = tf.withName("RestoreV2").train.restore(prefix, tf.constant(StandardCharsets.UTF_8, vars.toArray(new String[0])),
				tf.constant(StandardCharsets.UTF_8, slices), types);
			List<org.tensorflow.op.Op> assigns = new ArrayList<>();
			for (int i = 0; i < vars.size(); i++) assigns.add(tf.withName("AssignVariableOp_" + i).assignVariableOp(h.get(i), read.tensors().get(i)));
			Signature.Builder s = Signature.builder().key("__inference__traced_restore").input("file_prefix", prefix);
			for (int i = 0; i < vars.size(); i++) s.input("v" + i, any(h.get(i)));
			return s.output("output_0", tf.withName("Identity").withControlDependencies(assigns).identity(prefix)).build();
		});
		functions.add(restore);
		try (Graph g = new Graph()) {
			g.importGraphDef(graph);
			Ops tf = Ops.create(g);
			Placeholder<TString> filename = tf.withName("saver_filename").placeholder(TString.class);
			List<Operand<?>> in = new ArrayList<>(List.of(filename));
			for (var n : graph.getNodeList()) {
				if (n.getOp().equals("VarHandleOp")) in.add(g.operation(n.getName()).output(0));
			}
			// order the handles as the variables list
			List<Operand<?>> ordered = new ArrayList<>(List.of(filename));
			Map<String, Operand<?>> byShared = new HashMap<>();
			for (var n : graph.getNodeList()) {
				if (n.getOp().equals("VarHandleOp")) byShared.put(n.getAttrOrThrow("shared_name").getS().toStringUtf8(), g.operation(n.getName()).output(0));
			}
			for (String v : vars) ordered.add(byShared.get(v));
			tf.withName("StatefulPartitionedCall_2").statefulPartitionedCall(ordered, List.of(TString.class), restore);
			return g.toGraphDef();
		}
	}

	private void writeCheckpoint(Path prefix, List<String> vars) {
		try (Graph g = new Graph(); Session s = new Session(g)) {
			Ops tf = Ops.create(g);
			List<Operand<?>> tensors = new ArrayList<>();
			for (String v : vars) {
				FloatTensor t = weights.get(v);
				tensors.add(tf.constantOf(TFloat32.tensorOf(Shape.of(t.shape()), DataBuffers.of(t.data(), true, false))));
			}
			String[] slices = new String[vars.size()];
			java.util.Arrays.fill(slices, "");
			var save = tf.train.save(tf.constant(prefix.toString()), tf.constant(StandardCharsets.UTF_8, vars.toArray(new String[0])),
				tf.constant(StandardCharsets.UTF_8, slices), tensors);
			s.runner().addTarget(save).run();
		}
	}

	private static void writeSavedModel(Path dir, GraphDef graph, String input, Shape inputShape, String output, SaverDef saver)
		throws IOException {
		SignatureDef sig = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
			.putInputs("input_1", TensorInfo.newBuilder().setName(input).setDtype(DataType.DT_FLOAT).setTensorShape(shape(inputShape)).build())
			.putOutputs("output_0", TensorInfo.newBuilder().setName(output).setDtype(DataType.DT_FLOAT).build()).build();
		MetaGraphDef meta = MetaGraphDef.newBuilder()
			.setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve").setTensorflowVersion("2.16.1"))
			.setGraphDef(graph).putSignatureDef("serving_default", sig).setSaverDef(saver).build();
		Files.createDirectories(dir);
		Files.write(dir.resolve("saved_model.pb"), SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build().toByteArray());
	}

	static TensorShapeProto shape(Shape s) {
		TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
		if (s.isUnknown()) return b.setUnknownRank(true).build();
		for (long d : s.asArray()) b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
		return b.build();
	}
}
