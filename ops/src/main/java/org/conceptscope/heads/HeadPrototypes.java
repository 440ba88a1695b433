package org.conceptscope.heads;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.conceptscope.tensor.FloatTensor;

/**
 * A unit's prototypes: the training images where it responds most
 * ({@link InterpretableHead#imageResponses}: a Bi-ICE concept's activation, an InfoDisent part's
 * strongest positive response), each with the feature-map cell where its map is largest (one per
 * image, so a montage shows different images). Images where the unit does not respond (0 or less)
 * are none of its prototypes.
 */
public final class HeadPrototypes {

	/** Image index, cell (row y, column x) of the layer's map, and the unit's response in the image. */
	public record Prototype(int image, int y, int x, double response) {}

	private HeadPrototypes() {}

	public static List<Prototype> top(InterpretableHead head, FloatTensor features, int unit, int count) {
		FloatTensor maps = head.unitMaps(features, unit);
		double[] response = head.imageResponses(maps);
		int n = (int) maps.dim(0), h = (int) maps.dim(1), w = (int) maps.dim(2);
		List<Prototype> best = new ArrayList<>();
		float[] m = maps.data();
		for (int i = 0; i < n; i++) {
			int arg = 0;
			for (int p = 1; p < h * w; p++) if (m[i * h * w + p] > m[i * h * w + arg]) arg = p;
			if (response[i] > 0) best.add(new Prototype(i, arg / w, arg % w, response[i]));
		}
		best.sort(Comparator.comparingDouble(p -> -p.response()));
		return List.copyOf(best.subList(0, Math.min(count, best.size())));
	}
}
