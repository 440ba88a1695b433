package org.conceptscope.attribution;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Completeness of a path method (Sundararajan, Taly, Yan 2017, "Axiomatic attribution for deep
 * networks", the completeness axiom): the attributions of an image add up to f(x) - f(x0), the
 * target logit's change from the baseline x0 to the image. A finite number of path steps leaves a
 * gap (Captum's convergence delta); this class reads, per image, the sum, the change and the gap
 * from an attribution's metadata, for the results table and CSV ({@link #COLUMNS}).
 * <p>
 * Only methods whose paper states the axiom are listed ({@link #METHODS}): Integrated Gradients,
 * for its map, and Kernel SHAP, whose efficiency (Lundberg and Lee 2017) holds for its segment
 * values: their sum (not the pixel map's, where each pixel holds its segment's value) is f(x) minus
 * f(every segment replaced), the baseline x0 being the fully replaced image. A FORGrad-filtered map
 * (absolute value, low-pass) no longer sums to the change, and keeps the method's values under
 * {@link #unfiltered} names.
 */
public final class Completeness {

	private Completeness() {}

	/** Metadata key of the per-image sum of the attributions: IG's map, Kernel SHAP's segment values. */
	public static final String ATTRIBUTION_SUM = "attribution_sum";
	/** Metadata key of the per-image change f(x) - f(x0) of the target score (the logit unless chosen otherwise). */
	public static final String SCORE_CHANGE = "score_change";
	/** Metadata key of the per-image gap: the map's sum minus the change (0 for the exact integral). */
	public static final String GAP = "completeness_gap";

	/** The per-image metadata keys a method that claims completeness writes: sum, change and gap. */
	public static final List<String> KEYS = List.of(ATTRIBUTION_SUM, SCORE_CHANGE, GAP);

	/**
	 * The prefix of those keys on a map filtered after the method ran (FORGrad): their values are the
	 * unfiltered map's ({@code unfiltered_attribution_sum}, ...), not the map the user gets.
	 */
	public static final String UNFILTERED = "unfiltered_";

	/** The key under which a filtered map keeps its method's metadata key: {@link #UNFILTERED} + key for {@link #KEYS}, else the key. */
	public static String unfiltered(String key) {
		return KEYS.contains(key) ? UNFILTERED + key : key;
	}

	/**
	 * The results columns, in order: the map's sum, f(x) - f(x0), their difference (sum minus
	 * change), and the relative gap |sum - change| / |change| (NaN where the change is 0). NaN in all
	 * four where the map was blended from tiles: the tiles' sums are not the image's.
	 */
	public static final List<String> COLUMNS = List.of(ATTRIBUTION_SUM, SCORE_CHANGE, GAP, "relative_gap");

	/** The methods (by {@link AttributionMethod#name}) whose maps satisfy completeness and get {@link #COLUMNS}. */
	public static final Set<String> METHODS = Set.of("integrated_gradients", "kernel_shap");

	/** One image's completeness check. */
	public record Check(double attributionSum, double scoreChange) {

		/** The map's sum minus the change. */
		public double gap() {
			return attributionSum - scoreChange;
		}

		/** |gap| / |change|; NaN when the change is 0 or a value is missing (NaN). */
		public double relativeGap() {
			return scoreChange == 0 ? Double.NaN : Math.abs(gap()) / Math.abs(scoreChange);
		}

		/** The four values of {@link #COLUMNS}, in order. */
		public double[] columns() {
			return new double[] { attributionSum, scoreChange, gap(), relativeGap() };
		}

		/** The values of an image whose map was blended from tiles (or is missing): NaN. */
		public static final Check NONE = new Check(Double.NaN, Double.NaN);
	}

	/** Whether results of the method named so get {@link #COLUMNS}. */
	public static boolean claims(String method) {
		return METHODS.contains(method);
	}

	/**
	 * The checks an attribution carries, one per image; empty when its method does not claim
	 * completeness or its metadata hold no per-image values (maps blended from tiles).
	 */
	public static List<Check> of(Attribution a) {
		Map<String, String> m = a.metadata();
		if (!claims(m.get("method")) || !m.containsKey(ATTRIBUTION_SUM) || !m.containsKey(SCORE_CHANGE)) return List.of();
		List<String> sums = Attribution.items(m.get(ATTRIBUTION_SUM)), changes = Attribution.items(m.get(SCORE_CHANGE));
		if (sums.size() != changes.size()) {
			throw new IllegalStateException("Metadata '" + ATTRIBUTION_SUM + "' has " + sums.size() + " entries and '" + SCORE_CHANGE + "' "
				+ changes.size() + ".");
		}
		List<Check> out = new ArrayList<>();
		for (int i = 0; i < sums.size(); i++) out.add(new Check(Double.parseDouble(sums.get(i)), Double.parseDouble(changes.get(i))));
		return out;
	}
}
