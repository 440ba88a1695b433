package org.conceptscope.attribution;

import java.util.Map;

import org.conceptscope.tensor.FloatTensor;

/**
 * Explanation maps [N, H, W] (one per image, the image's size) for the given target classes,
 * with what produced them: method, parameters, seed, model, target names. Methods that can
 * tell channels apart (per-channel Sobol) also give channel maps [N, H, W, C], else null.
 */
public record Attribution(FloatTensor maps, int[] targets, Map<String, String> metadata, FloatTensor channelMaps) {

	public Attribution {
		targets = targets.clone();
		metadata = Map.copyOf(metadata);
		if (maps.rank() != 3 || maps.dim(0) != targets.length) {
			throw new IllegalArgumentException("Attribution maps must be [N, H, W] with one target per map, got " + maps
				+ " for " + targets.length + " targets.");
		}
		if (channelMaps != null && (channelMaps.rank() != 4 || channelMaps.dim(0) != maps.dim(0)
			|| channelMaps.dim(1) != maps.dim(1) || channelMaps.dim(2) != maps.dim(2))) {
			throw new IllegalArgumentException("Channel maps must be [N, H, W, C] matching the maps, got " + channelMaps + ".");
		}
	}

	public Attribution(FloatTensor maps, int[] targets, Map<String, String> metadata) {
		this(maps, targets, metadata, null);
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
