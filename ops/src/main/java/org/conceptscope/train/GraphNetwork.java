package org.conceptscope.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Base of the graphs this project builds: subclass constructors set the input, logits and probabilities. */
public abstract class GraphNetwork implements TrainableGraph {

	protected Placeholder<TFloat32> input;
	protected Operand<TFloat32> logits, probabilities, penalty;
	protected final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();

	@Override
	public Placeholder<TFloat32> input() {
		return input;
	}

	@Override
	public Operand<TFloat32> logits() {
		return logits;
	}

	@Override
	public Operand<TFloat32> probabilities() {
		return probabilities;
	}

	@Override
	public Operand<TFloat32> penalty() {
		return penalty;
	}

	@Override
	public Map<String, Variable<TFloat32>> variables() {
		return variables;
	}
}
