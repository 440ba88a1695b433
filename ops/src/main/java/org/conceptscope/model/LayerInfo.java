package org.conceptscope.model;

import java.util.Arrays;

/**
 * A layer a user can pick: a graph tensor that depends on the input and feeds the logits.
 * {@code name} is what the user types (the operation name, with ":index" for secondary
 * outputs); shape is static, -1 for the batch.
 */
public record LayerInfo(String name, String opType, long[] shape) {

	public LayerInfo {
		shape = shape.clone();
	}

	@Override
	public long[] shape() {
		return shape.clone();
	}

	/** True for [N, H, W, C] feature maps, the layers spatial methods (Grad-CAM, CRAFT) use. */
	public boolean isSpatial() {
		return shape.length == 4;
	}

	@Override
	public String toString() {
		return name + " " + opType + " " + Arrays.toString(shape);
	}
}
