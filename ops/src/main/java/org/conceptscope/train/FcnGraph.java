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
import org.tensorflow.types.TFloat32;

/** Builds the graph of an {@link FcnArchitecture} with the TensorFlow Java graph API. */
final class FcnGraph extends GraphNetwork {

	/** Variables start from the given values (trained weights, or an initialisation). */
	FcnGraph(Graph g, FcnArchitecture arch, Map<String, FloatTensor> initial) {
		Ops tf = Ops.create(g);
		OpNames names = new OpNames(tf);
		input = names.op("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, arch.height(), arch.width(), arch.channels())));
		for (CnnArchitecture.Parameter p : arch.parameters()) {
			FloatTensor value = initial.get(p.name());
			if (value == null) throw new IllegalArgumentException("No value for parameter " + p.name() + ".");
			if (!Arrays.equals(value.shape(), p.shape())) {
				throw new IllegalArgumentException("Parameter " + p.name() + " has shape " + Arrays.toString(value.shape()) + ", expected "
					+ Arrays.toString(p.shape()) + ".");
			}
			Operand<TFloat32> init = names.op(p.name() + "_initial_value")
				.constantOf(TFloat32.tensorOf(Shape.of(p.shape()), DataBuffers.of(value.data(), true, false)));
			variables.put(p.name(), names.op(p.name()).variable(init));
		}
		Operand<TFloat32> x = input;
		List<Long> ones = List.of(1L, 1L, 1L, 1L);
		for (int i = 1; i <= arch.filters().length; i++) {
			String block = "conv" + i;
			x = names.op(block + "/conv2d").nn.conv2d(x, variables.get(block + "/kernel"), ones, "SAME");
			x = names.op(block + "/bias_add").nn.biasAdd(x, variables.get(block + "/bias"));
			x = names.op(block + "/relu").nn.relu(x);
		}
		x = names.op("classifier/conv2d").nn.conv2d(x, variables.get("classifier/kernel"), ones, "SAME");
		logits = names.op("logits").nn.biasAdd(x, variables.get("classifier/bias"));
		probabilities = names.op("probabilities").nn.softmax(logits);
	}
}
