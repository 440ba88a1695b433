package org.conceptscope.attribution;

import java.util.LinkedHashMap;
import java.util.List;
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

	/** The entries of a metadata list "[a, b, ...]" (as {@code List.toString} writes it), trimmed. */
	public static List<String> items(String list) {
		String inside = list.trim().substring(1, list.trim().length() - 1).trim();
		return inside.isEmpty() ? List.of() : java.util.Arrays.stream(inside.split(",")).map(String::trim).toList();
	}

	/**
	 * Images [from, to) of this attribution: their maps, targets (with their names from
	 * {@code classNames}) and channel maps, and of the metadata values holding one entry per image
	 * ({@code perImage} keys, lists written as "[a, b, ...]"), those images' entries; the other
	 * metadata as it is. Class names may hold commas, so their list is written again, not split.
	 */
	public Attribution range(int from, int to, List<String> perImage, List<String> classNames) {
		Map<String, String> meta = new LinkedHashMap<>(metadata);
		for (String key : perImage) {
			String list = meta.get(key);
			if (list == null) continue;
			List<String> items = items(list);
			if (items.size() != targets.length) {
				throw new IllegalStateException("Metadata '" + key + "' has " + items.size() + " entries for " + targets.length + " images.");
			}
			meta.put(key, items.subList(from, to).toString());
		}
		int[] kept = java.util.Arrays.copyOfRange(targets, from, to);
		if (meta.containsKey("targets")) meta.put("targets", java.util.Arrays.toString(kept));
		if (meta.containsKey("target_classes")) meta.put("target_classes", AttributionMethod.targetClasses(classNames, kept));
		return new Attribution(maps.range(from, to), java.util.Arrays.copyOfRange(targets, from, to), meta,
			channelMaps == null ? null : channelMaps.range(from, to));
	}
}
