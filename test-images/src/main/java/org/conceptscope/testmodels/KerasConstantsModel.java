package org.conceptscope.testmodels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * The IHC stain classifier ({@code ihc-stain}, its "plain twin": one graph, variables restored from
 * {@code variables/}) rewritten the way some Keras exports look: the serving signature calls a
 * signature wrapper function, which calls the model function (StatefulPartitionedCall, resource
 * variables passed as arguments), and there is no {@code variables/} folder: the init op
 * ({@code __saved_model_init_op}) assigns every variable from a constant when the model loads.
 * Same weights, so same logits and the same explanations as the twin.
 * Run: {@code java ... KerasConstantsModel [test-images]} (after {@link TestModels}).
 */
public final class KerasConstantsModel {

	public static final String NAME = "ihc-keras-constants";

	private KerasConstantsModel() {}

	public static void main(String[] args) throws IOException {
		Path models = Paths.get(args.length > 0 ? args[0] : "test-images").toAbsolutePath().resolve("models");
		build(models.resolve(TestModels.IHC), models.resolve(NAME));
		System.out.println(NAME + ": built from " + TestModels.IHC);
	}

	/** Writes the Keras-style copy of the plain model in {@code twin} into {@code dir} (saved_model.pb, conceptscope.json, MODEL.md). */
	public static void build(Path twin, Path dir) throws IOException {
		CnnArchitecture arch = TestModels.IHC_ARCHITECTURE;
		Map<String, FloatTensor> weights = new LinkedHashMap<>();
		try (TensorFlowClassifier plain = TensorFlowClassifier.load(twin)) {
			for (CnnArchitecture.Parameter p : arch.parameters()) weights.put(p.name(), plain.variable(p.name()));
		}
		TensorFlowEngine.start();
		List<String> names = new ArrayList<>(weights.keySet());
		int n = names.size();
		Shape image = Shape.of(-1, arch.height(), arch.width(), arch.channels());

		ConcreteFunction model = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("input_1").placeholder(TFloat32.class, Placeholder.shape(image));
			Map<String, Output<?>> handles = new LinkedHashMap<>();
			Signature.Builder s = Signature.builder().key("__inference_model_layer_call_fn").input("input_1", x);
			for (int i = 0; i < n; i++) {
				Output<?> h = resourceArg(tf, "readvariableop_resource_" + i);
				handles.put(names.get(i), h);
				s.input("h" + i, any(h));
			}
			Operand<TFloat32> y = x;
			List<Long> ones = List.of(1L, 1L, 1L, 1L);
			for (int i = 1; i <= arch.filters().length; i++) {
				Ops layer = tf.withSubScope("conv2d_" + i);
				Operand<TFloat32> k = layer.withName("Conv2D_ReadVariableOp").readVariableOp(handles.get("conv" + i + "/kernel"), TFloat32.class);
				Operand<TFloat32> b = layer.withName("BiasAdd_ReadVariableOp").readVariableOp(handles.get("conv" + i + "/bias"), TFloat32.class);
				y = layer.withName("Conv2D").nn.conv2d(y, k, ones, "SAME");
				y = layer.withName("BiasAdd").nn.biasAdd(y, b);
				y = layer.withName("Relu").nn.relu(y);
				if (arch.pool()) {
					y = tf.withSubScope("average_pooling2d_" + i).withName("AvgPool").nn.avgPool(y, List.of(1L, 2L, 2L, 1L), List.of(1L, 2L, 2L, 1L),
						"VALID");
				}
			}
			Operand<TFloat32> pooled = tf.withSubScope("global_average_pooling2d").withName("Mean").math.mean(y, tf.constant(new int[] { 1, 2 }));
			Ops dense = tf.withSubScope("dense");
			Operand<TFloat32> k = dense.withName("MatMul_ReadVariableOp").readVariableOp(handles.get("dense/kernel"), TFloat32.class);
			Operand<TFloat32> b = dense.withName("BiasAdd_ReadVariableOp").readVariableOp(handles.get("dense/bias"), TFloat32.class);
			Operand<TFloat32> logits = dense.withName("BiasAdd").nn.biasAdd(dense.withName("MatMul").linalg.matMul(pooled, k), b);
			Operand<TFloat32> probs = tf.withSubScope("softmax").withName("Softmax").nn.softmax(logits);
			return s.output("output_0", tf.withName("Identity").identity(logits)).output("output_1", tf.withName("Identity_1").identity(probs))
				.build();
		});
		ConcreteFunction wrapper = ConcreteFunction.create(tf -> {
			Placeholder<TFloat32> x = tf.withName("input_1").placeholder(TFloat32.class, Placeholder.shape(image));
			List<Operand<?>> in = new ArrayList<>(List.of(x));
			Signature.Builder s = Signature.builder().key("__inference_signature_wrapper").input("input_1", x);
			for (int i = 0; i < n; i++) {
				Output<?> h = resourceArg(tf, "unknown_" + i);
				in.add(h);
				s.input("unknown" + i, any(h));
			}
			List<Output<?>> out = tf.withName("model").statefulPartitionedCall(in, List.of(TFloat32.class, TFloat32.class), model).output();
			return s.output("output_0", tf.withName("Identity").identity((Operand<TFloat32>) out.get(0)))
				.output("output_1", tf.withName("Identity_1").identity((Operand<TFloat32>) out.get(1))).build();
		});

		GraphDef graph;
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> input = tf.withName("serving_default_input_1").placeholder(TFloat32.class, Placeholder.shape(image));
			List<Operand<?>> callIn = new ArrayList<>(List.of(input));
			List<org.tensorflow.op.Op> assigns = new ArrayList<>();
			for (int i = 0; i < n; i++) {
				FloatTensor v = weights.get(names.get(i));
				Operand<?> h = tf.withName(names.get(i).replace('/', '_')).varHandleOp(TFloat32.class, Shape.of(v.shape()),
					VarHandleOp.sharedName(names.get(i)));
				callIn.add(h);
				Operand<TFloat32> value = tf.withName(names.get(i).replace('/', '_') + "_value")
					.constantOf(TFloat32.tensorOf(Shape.of(v.shape()), DataBuffers.of(v.data(), true, false)));
				assigns.add(tf.withName(names.get(i).replace('/', '_') + "_assign").assignVariableOp(h, value));
			}
			tf.withName("StatefulPartitionedCall").statefulPartitionedCall(callIn, List.of(TFloat32.class, TFloat32.class), wrapper);
			tf.withName("init_all").withControlDependencies(assigns).noOp();
			graph = g.toGraphDef();
		}
		SignatureDef serving = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
			.putInputs("input_1", TensorInfo.newBuilder().setName("serving_default_input_1:0").setDtype(DataType.DT_FLOAT)
				.setTensorShape(shape(image)).build())
			.putOutputs("logits", TensorInfo.newBuilder().setName("StatefulPartitionedCall:0").setDtype(DataType.DT_FLOAT).build())
			.putOutputs("probabilities", TensorInfo.newBuilder().setName("StatefulPartitionedCall:1").setDtype(DataType.DT_FLOAT).build())
			.build();
		SignatureDef init = SignatureDef.newBuilder()
			.putOutputs("__saved_model_init_op", TensorInfo.newBuilder().setName("init_all").build()).build();
		MetaGraphDef meta = MetaGraphDef.newBuilder()
			.setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve").setTensorflowVersion(TensorFlowEngine.TENSORFLOW_VERSION))
			.setGraphDef(graph).putSignatureDef("serving_default", serving).putSignatureDef("__saved_model_init_op", init).build();
		model.close();
		wrapper.close();

		Files.createDirectories(dir);
		Files.write(dir.resolve("saved_model.pb"), SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build()
			.toByteArray());
		Files.copy(twin.resolve("conceptscope.json"), dir.resolve("conceptscope.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Files.writeString(dir.resolve("MODEL.md"), """
			# IHC stain classifier, Keras-style, weights as constants

			The weights of `ihc-stain` (its plain twin: one graph, variables restored from `variables/`) in the shape
			some Keras exports have: the serving signature calls a signature wrapper function that calls the model
			function (StatefulPartitionedCall, resource variables passed as arguments), and there is **no
			`variables/` folder**: the init op (`__saved_model_init_op`, node `init_all`) assigns every variable from
			a constant when TensorFlow loads the model. Same weights, so the same logits and explanations as
			`ihc-stain`; `conceptscope.json` is the twin's.

			Built, not trained, by `KerasConstantsModel` (test-images/src/main/java/org/conceptscope/testmodels/) from
			`ihc-stain`. The bad-input suite (BadInputSuiteTest) checks that it loads and explains like its twin.
			""");
	}

	/** A placeholder of type resource: how a function receives a captured variable. */
	private static Output<?> resourceArg(Ops tf, String name) {
		return ((Graph) tf.scope().env()).opBuilder("Placeholder", name, tf.scope()).setAttr("dtype", DataType.DT_RESOURCE).build().output(0);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static Operand<TType> any(Output<?> o) {
		return (Operand) o;
	}

	private static TensorShapeProto shape(Shape s) {
		TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
		for (long d : s.asArray()) b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
		return b.build();
	}
}
