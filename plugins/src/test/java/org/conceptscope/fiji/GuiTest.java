package org.conceptscope.fiji;

import org.conceptscope.fiji.run.Demo;
import org.conceptscope.fiji.image.ImagePlusTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
import org.conceptscope.fiji.run.ConceptGraphSettings;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.run.FeatureVisualizationSettings;
import org.conceptscope.fiji.run.HeadExplanationSettings;
import org.conceptscope.fiji.run.HeadTrainingSettings;
import org.conceptscope.fiji.run.SharingRatioSettings;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ConceptScope in ImageJ 1.x with a real display: an Xvfb X server, and a child JVM without
 * java.awt.headless ({@link GuiChild}) in which ImageJ reads the plugin's menu from a plugins
 * folder, every command's dialog opens from its menu item (and is captured from the screen), a
 * command run through its dialog with the macro recorder on records a line that replays to the
 * same maps, a macro fills the ROI Manager and shows the results table and the heat-map image, and commands
 * run by IJ.run with options show their tables and plots. The test reads what the windows held.
 * Skipped, with the reason, where there is no Xvfb or the Java has no X11 library; .ci/run
 * installs both. {@code -Dconceptscope.screenshots=<folder>} also copies the screenshots there
 * (that is how docs/ is made).
 */
class GuiTest {

	@TempDir
	Path dir;

	private final Path testImages = TestFiles.testImages();

	@Test
	void dialogsMenuRoiManagerTablesAndTheHeatMapImageUnderAnXServer() throws Exception {
		XServer.assumeAvailable(); // before the model work
		Path model = testImages.resolve("models/ihc-stain"), stack = testImages.resolve(Demo.IMAGE);
		Path bank = dir.resolve("concepts.json");
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(model)) {
			ImagePlus imp = IJ.openImage(stack.toString());
			ConceptBank b = Craft.fit(classifier, ImagePlusTensors.toTensor(imp, classifier.normalization()).tensor(), 2,
				new CraftOptions("conv2/relu", 16, 8, 3, 1, 1e-4, 200, 2), Progress.NONE);
			b.save(bank);
		}
		// Kept after the run (screenshots, report, console) for a look when something fails.
		Path out = Path.of("target", "gui-test").toAbsolutePath();
		if (Files.isDirectory(out)) for (String name : TestFiles.names(out)) Files.delete(out.resolve(name));
		Files.createDirectories(out);

		try (XServer server = XServer.start(dir.resolve("xvfb.txt"))) {
			Path console = out.resolve("gui-jvm.txt");
			int status = server.runImageJ(dir, GuiChild.class, List.of(model.toString(), stack.toString(), bank.toString(), out.toString()), console, 4);
			Properties r = new Properties();
			try (InputStream in = Files.newInputStream(out.resolve("report.properties"))) {
				r.load(in);
			}
			String log = Files.readString(console);
			assertEquals(0, status, r.getProperty("failure") + "\n" + log);
			copyScreenshots(out); // before the checks: a stale picture is made again by the run that finds it
			check(r, log);
		}
	}

	private void check(Properties r, String log) throws IOException {
		assertEquals("false", r.getProperty("headless"), log);
		assertEquals("true", r.getProperty("done"), log);
		assertEquals(String.join(";", menuLabels()), r.getProperty("menu.ConceptScope"), "Plugins > ConceptScope lists the plugins.config entries");
		assertEquals(new java.util.HashSet<>(menuLabels()), GuiChild.DIALOGS.keySet(), "every menu entry's dialog is opened");
		assertEquals("org.conceptscope.fiji.ij1.ConceptScope_(\"concept-importance\")", r.getProperty("command.Concept Importance..."));
		for (String label : GuiChild.DIALOGS.keySet()) {
			assertEquals(GuiChild.DIALOGS.get(label), r.getProperty("dialog." + label), label + " opens its dialog from the menu");
			assertEquals("true", r.getProperty("dialog." + label + ".closed"), label + " closes on Cancel or OK");
			if (label.equals("Model Info...")) continue; // no number field
			String number = r.getProperty("number." + label), key = r.getProperty("number." + label + ".key");
			assertTrue(number.contains(key + " must be a ") && number.contains(", got 'many'"),
				label + ": a word in a number field is an error naming its key, not NaN: " + number);
			assertEquals("many", r.getProperty("number." + label + ".kept"), label + ": what was typed is kept for the next dialog");
		}
		for (String label : GuiChild.IMAGE_COMMANDS) {
			assertTrue(r.getProperty("noimage." + label).startsWith("No image is open: open an image or stack first"),
				label + " with no image: " + r.getProperty("noimage." + label));
			assertEquals("false", r.getProperty("noimage." + label + ".dialog"), label + " says so before its dialog asks for anything");
		}
		// GenericDialog shows a key's underscores as spaces; the recorder writes the key itself.
		Map<String, List<String>> keys = Map.ofEntries(Map.entry("Attribution...", AttributionSettings.KEYS),
			Map.entry("Model Info...", org.conceptscope.fiji.param.CommandSpecs.MODEL_INFO.keys()),
			Map.entry("Concept Discovery...", ConceptDiscoverySettings.KEYS),
			Map.entry("Concept Localization...", ConceptLocalizationSettings.KEYS),
			Map.entry("Concept Importance...", ConceptImportanceSettings.KEYS),
			Map.entry("Evaluate Explanation...", EvaluationSettings.KEYS),
			Map.entry("Sharing Ratio Decomposition...", SharingRatioSettings.KEYS),
			Map.entry("Concept Graph...", ConceptGraphSettings.KEYS),
			Map.entry("Train Interpretable Head...", HeadTrainingSettings.KEYS),
			Map.entry("Explain with Head...", HeadExplanationSettings.KEYS),
			Map.entry("Feature Visualization...", FeatureVisualizationSettings.KEYS),
			Map.entry("TCAV...", org.conceptscope.fiji.run.TcavSettings.KEYS),
			Map.entry("Nearest Examples...", org.conceptscope.fiji.run.ExamplesSettings.KEYS));
		for (String label : GuiChild.DIALOGS.keySet()) {
			List<String> shown = Arrays.stream(r.getProperty("dialog." + label + ".fields").split(";")).map(l -> l.replace(' ', '_')).toList();
			for (String key : keys.get(label)) assertTrue(shown.contains(key), label + " dialog has a field for " + key + ": " + shown);
		}

		// Every dialog, with any method chosen, fits a 1280x800 screen.
		for (String label : GuiChild.DIALOGS.keySet()) {
			String largest = r.getProperty("dialog." + label + ".largest");
			Matcher size = Pattern.compile("^(\\d+)x(\\d+)").matcher(String.valueOf(largest));
			assertTrue(size.find(), label + " dialog measured: " + largest);
			assertTrue(Integer.parseInt(size.group(1)) <= 1280 && Integer.parseInt(size.group(2)) <= 800,
				label + " dialog is " + largest + " at its largest: it must fit a 1280x800 screen");
		}

		// Recorded from the dialog, replayed as a macro.
		String line = r.getProperty("record.line");
		Matcher m = Pattern.compile("^run\\(\"Attribution\\.\\.\\.\", \"(.*)\"\\);$").matcher(line);
		assertTrue(m.matches(), "the recorder wrote the command as a macro line: " + line);
		AttributionSettings recorded = AttributionSettings.parse(m.group(1));
		assertEquals(testImages.resolve("models/ihc-stain").toString(), recorded.model().toString());
		assertEquals("occlusion", recorded.method());
		assertEquals(8, recorded.stride());
		assertEquals(0.2, recorded.topFraction());
		String info = r.getProperty("record.info");
		String replay = info.substring(info.indexOf("\noptions=") + "\noptions=".length()).split("\n")[0];
		assertEquals(AttributionSettings.parse(replay).toMacroOptions(), recorded.toMacroOptions(),
			"the recorded options are the ones the result image keeps for replaying");
		assertEquals("12", r.getProperty("record.roimanager.count"), "the dialog's run filled the ROI Manager");
		assertEquals("true", r.getProperty("record.replayed"));
		assertEquals("true", r.getProperty("record.replayEqual"), "the replayed line gives the same maps");
		// an unticked box that is ticked by default is recorded as key=false, so the line replays as set
		assertEquals("true", r.getProperty("bias.default"), "bias is ticked by default");
		assertTrue(r.getProperty("bias.line").contains(" bias=false"), r.getProperty("bias.line"));
		assertTrue(r.getProperty("bias.message").contains("no-such-head"), r.getProperty("bias.message"));
		// Concept Graph in batch mode without save_dir: its montages and maps come back, the picture current
		assertEquals("concept-graph-DAB-positive", r.getProperty("graph.batch.current"), r.getProperty("graph.batch.titles"));
		assertEquals(List.of("ihc-heldout-patches.tif", "conv2_relu-erf-montage", "conv3_relu-erf-montage", "ihc-heldout-patches-concept-graph",
			"concept-graph-DAB-positive"), List.of(r.getProperty("graph.batch.titles").split(";")));

		assertEquals("true", r.getProperty("result.showing"), "the heat-map image is in a window");
		assertEquals("4", r.getProperty("result.channels"), "R, G, B + the heat map");
		assertEquals("12", r.getProperty("result.slices"));
		assertEquals("true", r.getProperty("result.composite"));
		assertEquals("12", r.getProperty("result.overlay"), "one ROI per slice in the overlay");
		assertEquals("255", r.getProperty("result.lastLut.red.255"), "the map channel's LUT (Fire) ends in white");

		assertEquals("true", r.getProperty("roimanager.showing"), "the ROI Manager is open");
		assertEquals("12", r.getProperty("roimanager.count"), "one ROI per slice in the ROI Manager");
		String[] names = r.getProperty("roimanager.names").split("\n");
		String[] predicted = r.getProperty("table.column.predicted").split(";");
		for (int z = 1; z <= 12; z++) assertEquals("saliency; " + predicted[z - 1] + "; slice=" + z, names[z - 1]);

		assertEquals("true", r.getProperty("table.shown"), "the results table window is shown");
		assertEquals("12", r.getProperty("table.rows"));
		assertTrue(r.getProperty("table.columns").contains("map_max"), r.getProperty("table.columns"));
		for (String v : r.getProperty("table.column.map_max").split(";")) assertTrue(Double.parseDouble(v) > 0, "a map is not empty: " + v);

		assertEquals("true", r.getProperty("evaluation.shown"), "IJ.run(\"Evaluate Explanation...\", options) shows its table");
		assertEquals("13", r.getProperty("evaluation.rows"), "12 slices and the mean");
		assertEquals("true", r.getProperty("evaluation.plot"), "and the mean deletion curve");
		assertEquals("true", r.getProperty("importance.shown"), "IJ.run(\"Concept Importance...\", options) shows its table");
		assertEquals("3", r.getProperty("importance.rows"), "one row per concept of the bank");
		assertEquals("deletion;deletion;deletion", r.getProperty("importance.column.estimator"));
		assertEquals("true", r.getProperty("importance.plot"), "and its bar plot");
		Path docs = TestFiles.testImages().resolveSibling("docs");
		for (String label : GuiChild.DIALOGS.keySet()) {
			String name = "dialog-" + label.replace("...", "").replace(' ', '-').toLowerCase(java.util.Locale.ROOT) + ".png";
			String size = r.getProperty("screenshot." + name);
			assertTrue(size != null && !size.startsWith("0x"), label + " dialog captured: " + size);
			// The docs' picture of this dialog is this test's capture: a dialog that gained or lost a field
			// no longer has the picture's size, and the docs are made again from this run.
			java.awt.image.BufferedImage pictured = javax.imageio.ImageIO.read(docs.resolve(name).toFile());
			assertTrue(pictured != null, "docs/" + name + " shows the " + label + " dialog");
			assertEquals(size, pictured.getWidth() + "x" + pictured.getHeight(), "docs/" + name + " is stale: the " + label
				+ " dialog is now " + size + "; make the pictures again: mvn -B verify -pl plugins -am -Dtest=GuiTest"
				+ " -Dsurefire.failIfNoSpecifiedTests=false -Dconceptscope.screenshots=$PWD/docs");
		}
	}

	/** The menu labels of plugins.config, in its order (what ImageJ shows under Plugins > ConceptScope). */
	private static List<String> menuLabels() {
		try (InputStream in = GuiTest.class.getResourceAsStream("/plugins.config")) {
			List<String> labels = new java.util.ArrayList<>();
			for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
				Matcher m = Pattern.compile("^Plugins>ConceptScope, \"([^\"]+)\",").matcher(line.trim());
				if (m.find()) labels.add(m.group(1));
			}
			return labels;
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	/** With -Dconceptscope.screenshots=<folder>, the PNGs are copied there. */
	private static void copyScreenshots(Path out) throws IOException {
		String target = System.getProperty("conceptscope.screenshots");
		if (target == null || target.isBlank()) return;
		Path dest = Files.createDirectories(Path.of(target));
		for (String name : TestFiles.names(out)) {
			if (name.endsWith(".png")) Files.copy(out.resolve(name), dest.resolve(name), StandardCopyOption.REPLACE_EXISTING);
		}
	}
}
