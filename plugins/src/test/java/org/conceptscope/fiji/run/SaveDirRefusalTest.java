package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.conceptscope.fiji.param.CommandSpecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that writes into save_dir refuses, from its macro options and before any work, a
 * save_dir that is a file, with the same sentence; a folder not yet made is accepted.
 */
class SaveDirRefusalTest {

	@TempDir
	Path dir;

	@Test
	void aFileAsSaveDirGetsOneSentenceInEveryCommand() throws Exception {
		Path file = Files.writeString(dir.resolve("results.txt"), "x"), folder = Files.createDirectories(dir.resolve("images"));
		String common = "model=[" + dir + "] ";
		List<Map.Entry<String, Consumer<String>>> commands = new ArrayList<>();
		commands.add(Map.entry(common + "method=saliency", o -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(o)).validate()));
		commands.add(Map.entry(common + "concepts=[" + file + "]", o -> ConceptImportanceSettings.of(CommandSpecs.CONCEPT_IMPORTANCE.parse(o)).validate()));
		commands.add(Map.entry(common, o -> ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.parse(o)).validate()));
		commands.add(Map.entry(common + "random=[" + folder + "]", o -> TcavSettings.of(CommandSpecs.TCAV.parse(o)).validate()));
		commands.add(Map.entry(common, o -> SharingRatioSettings.of(CommandSpecs.SHARING_RATIO_DECOMPOSITION.parse(o)).validate()));
		commands.add(Map.entry(common + "folder=[" + folder + "]", o -> ExamplesSettings.of(CommandSpecs.NEAREST_EXAMPLES.parse(o)).validate()));
		String want = "save_dir " + file + " is a file; give a folder (it is created if missing).";
		for (Map.Entry<String, Consumer<String>> c : commands) {
			String options = c.getKey();
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> c.getValue().accept(options + " save_dir=[" + file + "]"), options);
			assertEquals(want, e.getMessage(), options);
			c.getValue().accept(options + " save_dir=[" + dir.resolve("not yet") + "]");
		}
	}
}
