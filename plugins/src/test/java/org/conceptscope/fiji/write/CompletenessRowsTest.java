package org.conceptscope.fiji.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.Completeness;
import org.conceptscope.attribution.ForGrad;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.fiji.SyntheticExplanations;
import org.conceptscope.fiji.image.Explanation;
import org.junit.jupiter.api.Test;

/**
 * The completeness columns without a model: Integrated Gradients' rows carry the metadata's sum and change, their gap and
 * |gap| / |change|; a map blended from tiles (no per-image values) gets NaN, never a number of some tile; a FORGrad map
 * and other methods get no such columns; the batch runner's header (from the method) is the table's (from the result).
 */
class CompletenessRowsTest {

	private static Explanation as(String method, Map<String, String> metadata) {
		Explanation ramp = SyntheticExplanations.rgbRamp(4, 3, 2);
		Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
		meta.put("method", method);
		Attribution a = new Attribution(ramp.attribution().maps(), ramp.attribution().targets(), meta);
		return new Explanation(ramp.image(), ramp.batches(), ramp.classNames(), ramp.probabilities(), new int[] { 0, 1 }, a, method, "synthetic");
	}

	@Test
	void integratedGradientsRowsCarryTheSumTheChangeAndTheirGaps() {
		Explanation e = as("integrated_gradients", Map.of("attribution_sum", "[10.5, -2.0]", "score_change", "[10.0, 4.0]",
			"completeness_gap", "[0.5, -6.0]"));
		List<String> header = ResultsCsvWriter.header(e);
		assertEquals(Completeness.COLUMNS, header.subList(header.size() - 4, header.size()));
		assertEquals(header, ResultsCsvWriter.header(e.classNames(), new IntegratedGradients(8, 0f)), "the batch runner's header is the table's");
		List<List<String>> rows = ResultsCsvWriter.rows(e);
		assertEquals(List.of("10.5", "10.0", "0.5", "0.05"), tail(rows.get(0)));
		assertEquals(List.of("-2.0", "4.0", "-6.0", "1.5"), tail(rows.get(1)));
		ij.measure.ResultsTable rt = ResultsTables.of(e);
		assertEquals(1.5, rt.getValue("relative_gap", 1), 0);
		assertEquals(-6.0, rt.getValue("completeness_gap", 1), 0);
	}

	@Test
	void aMapBlendedFromTilesGetsNaNAndOtherMethodsNoColumns() {
		// what TiledExplainer leaves: the parameters without the per-image values
		Explanation tiled = as("integrated_gradients", Map.of("steps", "8"));
		assertEquals(Completeness.COLUMNS, tail(ResultsCsvWriter.header(tiled)));
		for (List<String> row : ResultsCsvWriter.rows(tiled)) assertEquals(List.of("NaN", "NaN", "NaN", "NaN"), tail(row));
		assertTrue(Double.isNaN(ResultsTables.of(tiled).getValue("attribution_sum", 0)));

		// a FORGrad map keeps IG's metadata but is |.| filtered: its sum is not the change
		Map<String, String> kept = Map.of("attribution_sum", "[10.5, -2.0]", "score_change", "[10.0, 4.0]", "completeness_gap", "[0.5, -6.0]");
		Explanation forgrad = as("integrated_gradients_forgrad", kept);
		List<String> plain = ResultsCsvWriter.header(forgrad.classNames());
		assertEquals(plain, ResultsCsvWriter.header(forgrad));
		assertEquals(plain, ResultsCsvWriter.header(forgrad.classNames(), new ForGrad(new IntegratedGradients(8, 0f), 0)));
		assertEquals(plain.size(), ResultsCsvWriter.rows(forgrad).get(0).size());
		assertEquals(plain, ResultsCsvWriter.header(as("saliency", kept)));
		assertEquals(plain, ResultsCsvWriter.header(as("lime", kept)));
	}

	@Test
	void kernelShapRowsCarryItsEfficiencyCheck() {
		// Kernel SHAP's segment values add up to f(x) - f(fully replaced): the same columns as IG's, from its metadata
		Explanation e = as("kernel_shap", Map.of("segments", "[16, 16]", "attribution_sum", "[3.25, -1.0]", "score_change", "[3.25, -0.5]",
			"completeness_gap", "[0.0, -0.5]"));
		List<String> header = ResultsCsvWriter.header(e);
		assertEquals(Completeness.COLUMNS, tail(header));
		assertEquals(header, ResultsCsvWriter.header(e.classNames(),
			new org.conceptscope.attribution.KernelShap(40, org.conceptscope.attribution.Segmentation.grid(4),
				org.conceptscope.attribution.MaskedImage.constant(0), 1)), "the batch runner's header is the table's");
		List<List<String>> rows = ResultsCsvWriter.rows(e);
		assertEquals(List.of("3.25", "3.25", "0.0", "0.0"), tail(rows.get(0)));
		assertEquals(List.of("-1.0", "-0.5", "-0.5", "1.0"), tail(rows.get(1)));
	}

	private static List<String> tail(List<String> row) {
		return new ArrayList<>(row.subList(row.size() - 4, row.size()));
	}
}
