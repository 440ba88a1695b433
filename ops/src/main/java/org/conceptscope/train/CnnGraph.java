package org.conceptscope.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Builds the graph of a {@link CnnArchitecture} with the TensorFlow Java graph API. */
final class CnnGraph {

	final Placeholder<TFloat32> input;
	final Operand<TFloat32> logits;
	final Operand<TFloat32> probabilities;
	final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();

	/** Variables start from the given values (trained weights, or an initialisation). */
	CnnGraph(Graph g, CnnArchitecture arch, Map<String, FloatTensor> initial) {
		Ops tf = Ops.create(g);
		input = named(tf, "input").placeholder(TFloat32.class,
			Placeholder.shape(Shape.of(-1, arch.height(), arch.width(), arch.channels())));
		for (CnnArchitecture.Parameter p : arch.parameters()) {
			FloatTensor value = initial.get(p.name());
			if (value == null) throw new IllegalArgumentException("No value for parameter " + p.name() + ".");
			if (!java.util.Arrays.equals(value.shape(), p.shape())) {
				throw new IllegalArgumentException("Parameter " + p.name() + " has shape " + java.util.Arrays.toString(value.shape())
					+ ", expected " + java.util.Arrays.toString(p.shape()) + ".");
			}
			Operand<TFloat32> init = named(tf, p.name() + "/initial_value")
				.constantOf(TFloat32.tensorOf(Shape.of(p.shape()), DataBuffers.of(value.data(), true, false)));
			variables.put(p.name(), named(tf, p.name()).variable(init));
		}
		Operand<TFloat32> x = input;
		List<Long> ones = List.of(1L, 1L, 1L, 1L);
		for (int i = 1; i <= arch.filters().length; i++) {
			String block = "conv" + i;
			x = named(tf, block + "/conv2d").nn.conv2d(x, variables.get(block + "/kernel"), ones, "SAME");
			x = named(tf, block + "/bias_add").nn.biasAdd(x, variables.get(block + "/bias"));
			x = named(tf, block + "/relu").nn.relu(x);
			if (arch.pool()) {
				x = named(tf, block + "/pool").nn.avgPool(x, List.of(1L, 2L, 2L, 1L), List.of(1L, 2L, 2L, 1L), "VALID");
			}
		}
		Operand<TFloat32> features = arch.head() == CnnArchitecture.Head.GLOBAL_AVERAGE
			? named(tf, "features").math.mean(x, tf.constant(new int[] { 1, 2 }))
			: named(tf, "features").reshape(x, tf.constant(new long[] { -1, arch.featureLength() }));
		Operand<TFloat32> dense = named(tf, "dense/matmul").linalg.matMul(features, variables.get("dense/kernel"));
		logits = named(tf, "logits").nn.biasAdd(dense, variables.get("dense/bias"));
		probabilities = named(tf, "probabilities").nn.softmax(logits);
	}

	/** Ops that name the next op "a/b/c": TensorFlow Java wants sub-scopes for the "/" parts. */
	static Ops named(Ops tf, String path) {
		String[] parts = path.split("/");
		Ops scoped = tf;
		for (int i = 0; i < parts.length - 1; i++) scoped = scoped.withSubScope(parts[i]);
		return scoped.withName(parts[parts.length - 1]);
	}

	static FloatTensor read(TFloat32 t) {
		long[] shape = t.shape().asArray();
		float[] data = new float[Math.toIntExact(FloatTensor.sizeOf(shape))];
		t.asRawTensor().data().asFloats().read(data);
		return new FloatTensor(shape, data);
	}

	static TFloat32 tensor(FloatTensor t) {
		return TFloat32.tensorOf(Shape.of(t.shape()), DataBuffers.of(t.data(), true, false));
	}
}
