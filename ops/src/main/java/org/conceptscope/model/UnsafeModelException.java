package org.conceptscope.model;

/**
 * A model was refused before TensorFlow ran any of it, because its graph holds an operation
 * that is not plain computation. The message names the operation and where it is.
 */
public class UnsafeModelException extends ModelLoadException {

	private final String opType;
	private final String node;
	private final String function;

	public UnsafeModelException(String message, String opType, String node, String function) {
		super(message);
		this.opType = opType;
		this.node = node;
		this.function = function;
	}

	/** The refused operation type, e.g. "WriteFile". */
	public String opType() {
		return opType;
	}

	/** The node that runs it. */
	public String node() {
		return node;
	}

	/** The function whose body holds the node, or null for the main graph. */
	public String function() {
		return function;
	}
}
