package org.conceptscope.train;

import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
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
		CnnGraph.addVariables(names, arch.parameters(), initial, variables);
		Operand<TFloat32> x = input;
		List<Long> ones = List.of(1L, 1L, 1L, 1L);
		for (int i = 1; i <= arch.filters().length; i++) x = CnnGraph.convBlock(names, "conv" + i, x, variables);
		x = names.op("classifier/conv2d").nn.conv2d(x, variables.get("classifier/kernel"), ones, "SAME");
		logits = names.op("logits").nn.biasAdd(x, variables.get("classifier/bias"));
		probabilities = names.op("probabilities").nn.softmax(logits);
	}
}
