package org.conceptscope.fiji;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Map;

import org.conceptscope.fiji.run.AttributionSettings;
import org.junit.jupiter.api.Test;

/**
 * The batch runner reads its arguments as keys and values, never through a macro string: ']' in a path is just a character.
 * Its manifest records the keys the chosen method (as the registry declares its parameters) and the runner read, no others.
 */
class BatchKeysTest {

	@Test
	void aBracketInAPathSurvivesParsingAndTheManifest() {
		BatchJob.Job job = Batch.parse(new String[] { "input=/data/run]1/stack.tif", "model=/models/ihc]stain", "save_dir=/out]b/c d",
			"method=sobol", "designs=8", "per_channel" });
		AttributionSettings s = job.attribution();
		assertEquals(Path.of("/out]b/c d"), s.saveDir());
		assertEquals(Path.of("/models/ihc]stain"), s.model());
		assertEquals(Path.of("/data/run]1/stack.tif"), job.input());
		assertEquals("image", s.output(), "the batch runner's maps are a stack of their own");
		Map<String, String> recorded = BatchJob.settings(s, false);
		assertEquals("sobol", recorded.get("method"));
		assertEquals("8", recorded.get("designs"));
		assertEquals("true", recorded.get("per_channel"));
		assertFalse(recorded.containsKey("save_dir"));
		assertFalse(recorded.containsKey("model"));
		// Sobol's own keys (as the registry declares them) and the runner's, in the command's key order; not steps,
		// samples or noise (other methods'), nor opacity, calibration_bar or output (Fiji's display), nor overlap (no tiles)
		assertEquals(java.util.List.of("method", "target", "seed", "grid", "designs", "blur_sigma", "per_channel", "upsampling", "operator", "rois",
			"top_fraction"), java.util.List.copyOf(recorded.keySet()));
		assertEquals(java.util.List.of("method", "target", "forgrad", "forgrad_bandwidth", "operator", "rois", "top_fraction", "overlap"),
			java.util.List.copyOf(BatchJob.settings(
			Batch.parse(new String[] { "input=a.tif", "model=m", "save_dir=o", "opacity=0.5", "steps=7" }).attribution(), true).keySet()),
			"Saliency on tiles reads only the FORGrad filter's keys (a gradient method), not steps or opacity; and the tiles' overlap");
		assertEquals(java.util.List.of("method", "target", "forgrad", "forgrad_bandwidth", "operator", "rois", "region", "overlap"),
			java.util.List.copyOf(BatchJob.settings(
			Batch.parse(new String[] { "input=a.tif", "model=m", "save_dir=o", "rois=r.zip" }).attribution(), false).keySet()),
			"with ROIs: region, and no top_fraction (their outlines are the ROIs)");
	}
}
