package org.conceptscope.attribution;

import java.util.Map;

import org.conceptscope.tensor.FloatTensor;

/**
 * Explanation maps [N, H, W] (one per image, the image's size) for the given target classes,
 * with what produced them: method, parameters, seed, model, target names.
 */
public record Attribution(FloatTensor maps, int[] targets, Map<String, String> metadata) {

	public Attribution {
		targets = targets.clone();
		metadata = Map.copyOf(metadata);
		if (maps.rank() != 3 || maps.dim(0) != targets.length) {
			throw new IllegalArgumentException("Attribution maps must be [N, H, W] with one target per map, got " + maps
				+ " for " + targets.length + " targets.");
		}
	}

	@Override
	public int[] targets() {
		return targets.clone();
	}

	/** Map i as a [1, H, W] tensor. */
	public FloatTensor map(int i) {
		return maps.slice(i);
	}
}
