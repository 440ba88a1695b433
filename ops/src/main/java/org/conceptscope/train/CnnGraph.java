package org.conceptscope.train;

import java.util.Arrays;
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
final class CnnGraph extends GraphNetwork {

	/** Variables start from the given values (trained weights, or an initialisation). */
	CnnGraph(Graph g, CnnArchitecture arch, Map<String, FloatTensor> initial) {
		Ops tf = Ops.create(g);
		OpNames names = new OpNames(tf);
		input = names.op("input").placeholder(TFloat32.class,
			Placeholder.shape(Shape.of(-1, arch.height(), arch.width(), arch.channels())));
		addVariables(names, arch.parameters(), initial, variables);
		Operand<TFloat32> x = input;
		for (int i = 1; i <= arch.filters().length; i++) {
			String block = "conv" + i;
			x = convBlock(names, block, x, variables);
			if (arch.pool()) {
				x = names.op(block + "/pool").nn.avgPool(x, List.of(1L, 2L, 2L, 1L), List.of(1L, 2L, 2L, 1L), "VALID");
			}
		}
		Operand<TFloat32> features = arch.head() == CnnArchitecture.Head.GLOBAL_AVERAGE
			? names.op("features").math.mean(x, tf.constant(new int[] { 1, 2 }))
			: names.op("features").reshape(x, tf.constant(new long[] { -1, arch.featureLength() }));
		Operand<TFloat32> dense = names.op("dense/matmul").linalg.matMul(features, variables.get("dense/kernel"));
		logits = names.op("logits").nn.biasAdd(dense, variables.get("dense/bias"));
		probabilities = names.op("probabilities").nn.softmax(logits);
	}

	/**
	 * One variable per parameter, named by it, starting from its value in {@code initial} (an op
	 * {@code <name>_initial_value} holds it), put in {@code into} in the parameters' order.
	 *
	 * @throws IllegalArgumentException when a value is missing or has another shape
	 */
	static void addVariables(OpNames names, List<CnnArchitecture.Parameter> parameters, Map<String, FloatTensor> initial,
		Map<String, Variable<TFloat32>> into) {
		for (CnnArchitecture.Parameter p : parameters) {
			FloatTensor value = initial.get(p.name());
			if (value == null) throw new IllegalArgumentException("No value for parameter " + p.name() + ".");
			if (!Arrays.equals(value.shape(), p.shape())) {
				throw new IllegalArgumentException("Parameter " + p.name() + " has shape " + Arrays.toString(value.shape()) + ", expected "
					+ Arrays.toString(p.shape()) + ".");
			}
			Operand<TFloat32> init = names.op(p.name() + "_initial_value")
				.constantOf(TFloat32.tensorOf(Shape.of(p.shape()), DataBuffers.of(value.data(), true, false)));
			into.put(p.name(), names.op(p.name()).variable(init));
		}
	}

	/** A convolution block {@code block}: {@code <block>/conv2d} (stride 1, SAME) with {@code <block>/kernel}, bias add, ReLU. */
	static Operand<TFloat32> convBlock(OpNames names, String block, Operand<TFloat32> x, Map<String, Variable<TFloat32>> variables) {
		x = names.op(block + "/conv2d").nn.conv2d(x, variables.get(block + "/kernel"), List.of(1L, 1L, 1L, 1L), "SAME");
		x = names.op(block + "/bias_add").nn.biasAdd(x, variables.get(block + "/bias"));
		return names.op(block + "/relu").nn.relu(x);
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
