package org.conceptscope.model;

import java.util.Arrays;

/**
 * A named tensor of the model: graph tensor name ("op:index"), static shape with -1 for
 * unknown dimensions, and TensorFlow dtype name (e.g. "DT_FLOAT").
 */
public record TensorSpec(String key, String tensorName, long[] shape, String dtype) {

	public TensorSpec {
		shape = shape == null ? null : shape.clone();
	}

	@Override
	public long[] shape() {
		return shape == null ? null : shape.clone();
	}

	@Override
	public String toString() {
		return key + " (" + tensorName + ", " + (shape == null ? "unknown shape" : Arrays.toString(shape)) + ", " + dtype + ")";
	}
}
