package org.conceptscope.fiji;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.Map;

import org.conceptscope.fiji.run.AttributionSettings;
import org.junit.jupiter.api.Test;

/** The batch runner reads its arguments as keys and values, never through a macro string: ']' in a path is just a character. */
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
		Map<String, String> recorded = BatchJob.settings(s);
		assertEquals("sobol", recorded.get("method"));
		assertEquals("8", recorded.get("designs"));
		assertEquals("true", recorded.get("per_channel"));
		assertFalse(recorded.containsKey("save_dir"));
		assertFalse(recorded.containsKey("model"));
		// the same keys in the same order as the command's, less model, output and save_dir
		assertEquals(AttributionSettings.KEYS.stream().filter(k -> !k.equals("model") && !k.equals("output") && !k.equals("save_dir")).toList(),
			java.util.List.copyOf(recorded.keySet()));
	}
}
