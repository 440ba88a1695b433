package org.conceptscope.train;

import java.util.Map;

import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** A classifier graph the supervised trainer can fit: its input, logits and trainable variables by name. */
public interface TrainableGraph {

	Placeholder<TFloat32> input();

	Operand<TFloat32> logits();

	Map<String, Variable<TFloat32>> variables();

	/** A scalar added to the mean cross-entropy during training (a regulariser), or null for none. */
	default Operand<TFloat32> penalty() {
		return null;
	}

	/** The softmax output if the graph has one; exporters add it otherwise. */
	default Operand<TFloat32> probabilities() {
		return null;
	}
}
