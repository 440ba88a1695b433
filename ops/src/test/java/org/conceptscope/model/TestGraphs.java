package org.conceptscope.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import org.conceptscope.tensor.FloatTensor;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * SavedModels built in Java with the TensorFlow graph API for tests: a Keras/TF2-style model
 * whose signature calls the network through nested StatefulPartitionedCall functions with
 * resource variables, and hostile models that write a file from various places of the graph.
 */
final class TestGraphs {

	private TestGraphs() {}

	/** The weights of a Keras-style model, for reference computations. */
	record KerasWeights(FloatTensor convKernel, FloatTensor convBias, FloatTensor denseKernel, FloatTensor denseBias) {}

	static final int CHANNELS = 3, FILTERS = 4, CLASSES = 3;

	/** A placeholder of type resource: how a function receives a captured variable. */
	static Output<?> resourceArg(Ops tf, String name) {
		return ((Graph) tf.scope().env()).opBuilder("Placeholder", name, tf.scope()).setAttr("dtype", DataType.DT_RESOURCE)
			.build().output(0);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	static Operand<TType> any(Output<?> o) {
		return (Operand) o;
	}

	/**
	 * A Keras-style SavedModel (as TF2's tf.saved_model.save writes it): the serving signature's
	 * output is {@code StatefulPartitionedCall:0}, a call of a signature wrapper function that calls
	 * the model function, which calls one function per layer (conv2d: 3x3 conv + bias + ReLU, with
	 * the pre-activation as a second output; dense); global average pooling and softmax sit in the model function. The four variables
	 * are VarHandleOps of the main graph passed down as resource arguments; the restore op is a
	 * call of a restore function (RestoreV2 + AssignVariableOp), the save op a call of a save
	 * function (SaveV2; never run). size: input height and width, -1 for any size.
	 */
	static KerasWeights kerasStyle(Path dir, long seed, int size) throws IOException {
		TensorFlowEngine.start();
		Random r = new Random(seed);
		KerasWeights w = new KerasWeights(random(r, 0.5f, 3, 3, CHANNELS, FILTERS), random(r, 0.1f, FILTERS),
			random(r, 0.8f, FILTERS, CLASSES), random(r, 0.1f, CLASSES));
		String[] names = { "conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias" };
		FloatTensor[] values = { w.convKernel(), w.convBias(), w.denseKernel(), w.denseBias() };
		Shape image = Shape.of(-1, size, size, CHANNELS);

		ConcreteFunction conv = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("inputs").placeholder(TFloat32.class, Placeholder.shape(image));
			Output<?> k = resourceArg(tf, "conv2d_readvariableop_resource");
			Output<?> b = resourceArg(tf, "biasadd_readvariableop_resource");
			Operand<TFloat32> y = tf.withName("Conv2D").nn.conv2d(x, tf.withName("Conv2D_ReadVariableOp").readVariableOp(k, TFloat32.class),
				List.of(1L, 1L, 1L, 1L), "SAME");
			Operand<TFloat32> pre = tf.withName("BiasAdd").nn.biasAdd(y, tf.withName("BiasAdd_ReadVariableOp").readVariableOp(b, TFloat32.class));
			y = tf.withName("Relu").nn.relu(pre);
			// two outputs (activation and pre-activation), as layers with extra outputs have: an IdentityN after inlining
			return Signature.builder().key("__inference_conv2d_layer_call_fn").input("inputs", x).input("k", any(k)).input("b", any(b))
				.output("output_0", tf.withName("Identity").identity(y)).output("output_1", tf.withName("Identity_1").identity(pre)).build();
		});
		ConcreteFunction dense = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("inputs").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, FILTERS)));
			Output<?> k = resourceArg(tf, "matmul_readvariableop_resource");
			Output<?> b = resourceArg(tf, "biasadd_readvariableop_resource");
			Operand<TFloat32> y = tf.withName("MatMul").linalg.matMul(x, tf.withName("MatMul_ReadVariableOp").readVariableOp(k, TFloat32.class));
			y = tf.withName("BiasAdd").nn.biasAdd(y, tf.withName("BiasAdd_ReadVariableOp").readVariableOp(b, TFloat32.class));
			return Signature.builder().key("__inference_dense_layer_call_fn").input("inputs", x).input("k", any(k)).input("b", any(b))
				.output("output_0", tf.withName("Identity").identity(y)).build();
		});
		ConcreteFunction model = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("input_1").placeholder(TFloat32.class, Placeholder.shape(image));
			List<Output<?>> h = new ArrayList<>();
			for (String n : new String[] { "conv2d_4", "conv2d_5", "dense_6", "dense_7" }) h.add(resourceArg(tf, n));
			Operand<?> c = tf.withName("conv2d").statefulPartitionedCall(List.of(x, h.get(0), h.get(1)),
				List.of(TFloat32.class, TFloat32.class), conv).output().get(0);
			Operand<TFloat32> pooled = tf.withName("global_average_pooling2d").math.mean((Operand<TFloat32>) c, tf.constant(new int[] { 1, 2 }));
			Operand<?> logits = tf.withName("dense").statefulPartitionedCall(List.of(pooled, h.get(2), h.get(3)), List.of(TFloat32.class), dense)
				.output().get(0);
			Operand<TFloat32> probs = tf.withName("softmax").nn.softmax((Operand<TFloat32>) logits);
			return Signature.builder().key("__inference_model_layer_call_fn").input("input_1", x).input("h0", any(h.get(0)))
				.input("h1", any(h.get(1))).input("h2", any(h.get(2))).input("h3", any(h.get(3)))
				.output("output_0", tf.withName("Identity").identity(probs)).build();
		});
		ConcreteFunction wrapper = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("input_1").placeholder(TFloat32.class, Placeholder.shape(image));
			List<Operand<?>> in = new ArrayList<>(List.of(x));
			for (int i = 0; i < 4; i++) in.add(resourceArg(tf, "unknown" + (i == 0 ? "" : "_" + i)));
			Operand<?> y = tf.withName("model").statefulPartitionedCall(in, List.of(TFloat32.class), model).output().get(0);
			Signature.Builder s = Signature.builder().key("__inference_signature_wrapper").input("input_1", x);
			for (int i = 1; i < in.size(); i++) s.input("unknown" + i, in.get(i));
			return s.output("output_0", tf.withName("Identity").identity((Operand<TFloat32>) y)).build();
		});
		ConcreteFunction restore = ConcreteFunction.create(tf -> {
			Placeholder<TString> prefix = tf.withName("file_prefix").placeholder(TString.class);
			List<Output<?>> h = new ArrayList<>();
			for (int i = 0; i < 4; i++) h.add(resourceArg(tf, "restorev2_resource_" + i));
			Restore read = tf.withName("RestoreV2").train.restore(prefix, tf.constant(java.nio.charset.StandardCharsets.UTF_8, names), tf.constant(java.nio.charset.StandardCharsets.UTF_8, new String[] { "", "", "", "" }),
				List.of(TFloat32.class, TFloat32.class, TFloat32.class, TFloat32.class));
			List<org.tensorflow.op.Op> assigns = new ArrayList<>();
			for (int i = 0; i < 4; i++) assigns.add(tf.withName("AssignVariableOp_" + i).assignVariableOp(h.get(i), read.tensors().get(i)));
			Signature.Builder s = Signature.builder().key("__inference__traced_restore").input("file_prefix", prefix);
			for (int i = 0; i < 4; i++) s.input("v" + i, any(h.get(i)));
			return s.output("output_0", tf.withName("Identity").withControlDependencies(assigns).identity(prefix)).build();
		});
		ConcreteFunction save = ConcreteFunction.create(tf -> {
			Placeholder<TString> prefix = tf.withName("file_prefix").placeholder(TString.class);
			List<Operand<?>> reads = new ArrayList<>();
			Signature.Builder s = Signature.builder().key("__inference__traced_save").input("file_prefix", prefix);
			for (int i = 0; i < 4; i++) {
				Output<?> h = resourceArg(tf, "savev2_resource_" + i);
				s.input("v" + i, any(h));
				reads.add(tf.withName("ReadVariableOp_" + i).readVariableOp(h, TFloat32.class));
			}
			var op = tf.withName("SaveV2").train.save(prefix, tf.constant(java.nio.charset.StandardCharsets.UTF_8, names), tf.constant(java.nio.charset.StandardCharsets.UTF_8, new String[] { "", "", "", "" }), reads);
			return s.output("output_0", tf.withName("Identity").withControlDependencies(List.of(op)).identity(prefix)).build();
		});

		GraphDef graph;
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> input = tf.withName("serving_default_input_1").placeholder(TFloat32.class, Placeholder.shape(image));
			List<Operand<?>> handles = new ArrayList<>();
			Map<String, Ops> scopes = new LinkedHashMap<>();
			for (int i = 0; i < 4; i++) {
				String[] parts = names[i].split("/");
				Ops scope = scopes.computeIfAbsent(parts[0], tf::withSubScope);
				handles.add(scope.withName(parts[1]).varHandleOp(TFloat32.class, Shape.of(values[i].shape()),
					VarHandleOp.sharedName(names[i])));
			}
			List<Operand<?>> callIn = new ArrayList<>(List.of(input));
			callIn.addAll(handles);
			tf.withName("StatefulPartitionedCall").statefulPartitionedCall(callIn, List.of(TFloat32.class), wrapper);
			Placeholder<TString> filename = tf.withName("saver_filename").placeholder(TString.class);
			List<Operand<?>> saveIn = new ArrayList<>(List.of(filename));
			saveIn.addAll(handles);
			tf.withName("StatefulPartitionedCall_1").statefulPartitionedCall(saveIn, List.of(TString.class), save);
			tf.withName("StatefulPartitionedCall_2").statefulPartitionedCall(saveIn, List.of(TString.class), restore);
			graph = g.toGraphDef();
		}
		Files.createDirectories(dir.resolve("variables"));
		writeCheckpoint(dir.resolve("variables").resolve("variables"), names, values);
		SaverDef saver = SaverDef.newBuilder().setFilenameTensorName("saver_filename:0").setSaveTensorName("StatefulPartitionedCall_1:0")
			.setRestoreOpName("StatefulPartitionedCall_2").setVersion(SaverDef.CheckpointFormatVersion.V2).build();
		writeSavedModel(dir, graph, "serving_default_input_1:0", image, Map.of("output_0", "StatefulPartitionedCall:0"), saver);
		for (ConcreteFunction f : List.of(conv, dense, model, wrapper, restore, save)) f.close();
		return w;
	}

	/** Writes tensors as a TF2 checkpoint (variables.index + variables.data-*) with SaveV2. */
	static void writeCheckpoint(Path prefix, String[] names, FloatTensor[] values) {
		try (Graph g = new Graph(); Session s = new Session(g)) {
			Ops tf = Ops.create(g);
			List<Operand<?>> tensors = new ArrayList<>();
			for (FloatTensor v : values) {
				tensors.add(tf.constantOf(TFloat32.tensorOf(Shape.of(v.shape()), DataBuffers.of(v.data(), true, false))));
			}
			String[] slices = new String[names.length];
			java.util.Arrays.fill(slices, "");
			var save = tf.train.save(tf.constant(prefix.toString()), tf.constant(java.nio.charset.StandardCharsets.UTF_8, names), tf.constant(java.nio.charset.StandardCharsets.UTF_8, slices), tensors);
			s.runner().addTarget(save).run();
		}
	}

	/** Writes saved_model.pb: one meta graph tagged "serve" with signature "serving_default". */
	static void writeSavedModel(Path dir, GraphDef graph, String input, Shape inputShape, Map<String, String> outputs, SaverDef saver)
		throws IOException {
		SignatureDef.Builder sig = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
			.putInputs("input", TensorInfo.newBuilder().setName(input).setDtype(DataType.DT_FLOAT).setTensorShape(shape(inputShape)).build());
		for (Map.Entry<String, String> o : outputs.entrySet()) {
			sig.putOutputs(o.getKey(), TensorInfo.newBuilder().setName(o.getValue()).setDtype(DataType.DT_FLOAT).build());
		}
		MetaGraphDef.Builder meta = MetaGraphDef.newBuilder()
			.setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve").setTensorflowVersion("2.16.1"))
			.setGraphDef(graph).putSignatureDef("serving_default", sig.build());
		if (saver != null) meta.setSaverDef(saver);
		Files.createDirectories(dir);
		Files.write(dir.resolve("saved_model.pb"), SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build().toByteArray());
	}

	static TensorShapeProto shape(Shape s) {
		TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
		for (long d : s.asArray()) b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
		return b.build();
	}

	static FloatTensor random(Random r, float scale, long... shape) {
		FloatTensor t = FloatTensor.zeros(shape);
		for (int i = 0; i < t.size(); i++) t.data()[i] = (float) (r.nextGaussian() * scale);
		return t;
	}

	// ---- hostile models ----

	/** Where a hostile model hides its WriteFile. */
	enum Hiding {
		/** in the main graph, a control input of the signature's output */
		MAIN_GRAPH,
		/** in the body of a function the signature calls */
		FUNCTION,
		/** in a function called by a function the signature calls */
		NESTED_FUNCTION,
		/** in the then-branch of an If op on the serving path */
		IF_BRANCH,
		/** in the restore op, which runs while the model loads */
		RESTORE_OP,
		/** in the main graph, connected to nothing that runs (a leftover; tolerated) */
		UNREACHABLE
	}

	/**
	 * A tiny classifier (input [N, 2, 2, 1], logits [N, 4] = the pixels times 2) that writes
	 * "pwned" to {@code target} from the given place of its graph.
	 */
	static void writeFileModel(Path dir, Path target, Hiding hiding) throws IOException {
		TensorFlowEngine.start();
		Shape image = Shape.of(-1, 2, 2, 1);
		List<ConcreteFunction> functions = new ArrayList<>();
		ConcreteFunction evil = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
			var wf = tf.withName("write_it").io.writeFile(tf.constant(target.toString()), tf.constant("pwned"));
			Operand<TFloat32> y = tf.withName("Identity").withControlDependencies(List.of(wf)).identity(x);
			return Signature.builder().key("__inference_evil").input("x", x).output("y", y).build();
		});
		functions.add(evil);
		ConcreteFunction outer = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
			Operand<?> y = tf.withName("inner").statefulPartitionedCall(List.of(x), List.of(TFloat32.class), evil).output().get(0);
			return Signature.builder().key("__inference_outer").input("x", x).output("y", tf.withName("Identity").identity((Operand<TFloat32>) y)).build();
		});
		functions.add(outer);
		ConcreteFunction clean = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
			return Signature.builder().key("__inference_clean").input("x", x).output("y", tf.withName("Identity").identity(x)).build();
		});
		functions.add(clean);
		GraphDef graph;
		SaverDef saver = null;
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(image));
			Operand<TFloat32> flat = tf.withName("flat").reshape(input, tf.constant(new long[] { -1, 4 }));
			Operand<TFloat32> doubled = tf.withName("doubled").math.mul(flat, tf.constant(2f));
			Operand<?> out;
			switch (hiding) {
				case MAIN_GRAPH -> {
					var wf = tf.withName("write_it").io.writeFile(tf.constant(target.toString()), tf.constant("pwned"));
					out = tf.withName("logits").withControlDependencies(List.of(wf)).identity(doubled);
				}
				case FUNCTION -> out = tf.withName("logits").identity((Operand<TFloat32>) tf.withName("call")
					.statefulPartitionedCall(List.of(doubled), List.of(TFloat32.class), evil).output().get(0));
				case NESTED_FUNCTION -> out = tf.withName("logits").identity((Operand<TFloat32>) tf.withName("call")
					.statefulPartitionedCall(List.of(doubled), List.of(TFloat32.class), outer).output().get(0));
				case IF_BRANCH -> {
					Operand<TBool> yes = tf.constant(true);
					out = tf.withName("logits").identity((Operand<TFloat32>) tf.withName("branch")
						.statefulIf(yes, List.of(doubled), List.of(TFloat32.class), evil, clean,
						org.tensorflow.op.core.If.outputShapes(Shape.of(-1, 4))).output().get(0));
				}
				case RESTORE_OP, UNREACHABLE -> {
					tf.withName("filename").placeholder(TString.class);
					var wf = tf.withName("write_it").io.writeFile(tf.constant(target.toString()), tf.constant("pwned"));
					tf.withName("restore_all").withControlDependencies(List.of(wf)).noOp();
					out = tf.withName("logits").identity(doubled);
					if (hiding == Hiding.RESTORE_OP) {
						saver = SaverDef.newBuilder().setFilenameTensorName("filename:0").setRestoreOpName("restore_all")
							.setVersion(SaverDef.CheckpointFormatVersion.V2).build();
					}
				}
				default -> throw new IllegalArgumentException();
			}
			graph = g.toGraphDef();
		}
		writeSavedModel(dir, graph, "input:0", image, Map.of("logits", "logits:0"), saver);
		if (hiding == Hiding.RESTORE_OP) {
			// TensorFlow runs the restore op only when there is a checkpoint to restore
			Files.createDirectories(dir.resolve("variables"));
			writeCheckpoint(dir.resolve("variables").resolve("variables"), new String[] { "unused" },
				new FloatTensor[] { FloatTensor.zeros(1) });
		}
		for (ConcreteFunction f : functions) f.close();
	}

	/** A copy of a model folder whose saved_model.pb is edited by {@code edit}. */
	static Path editedCopy(Path src, Path dst, Consumer<MetaGraphDef.Builder> edit) throws IOException {
		try (var s = Files.walk(src)) {
			for (Path p : s.toList()) {
				Path t = dst.resolve(src.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(t);
				else Files.copy(p, t);
			}
		}
		SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(dst.resolve("saved_model.pb")));
		MetaGraphDef.Builder meta = saved.getMetaGraphs(0).toBuilder();
		edit.accept(meta);
		Files.write(dst.resolve("saved_model.pb"), saved.toBuilder().setMetaGraphs(0, meta).build().toByteArray());
		return dst;
	}

	/**
	 * The bundled IHC model with an extra node of type {@code op} (any name, registered or not)
	 * that the probabilities output waits for.
	 */
	static Path ihcWithOp(Path dst, String op) throws IOException {
		return editedCopy(BundledModels.dir("ihc-stain"), dst, meta -> addControlNode(meta, "probabilities",
			NodeDef.newBuilder().setName("sneaky").setOp(op).addInput("input").build()));
	}

	static void addControlNode(MetaGraphDef.Builder meta, String consumer, NodeDef node) {
		GraphDef.Builder g = meta.getGraphDefBuilder();
		g.addNode(node);
		for (NodeDef.Builder n : g.getNodeBuilderList()) {
			if (n.getName().equals(consumer)) n.addInput("^" + node.getName());
		}
	}

	/** Map helper keeping insertion order. */
	static Map<String, String> map(String... kv) {
		Map<String, String> m = new LinkedHashMap<>();
		for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
		return m;
	}
}
