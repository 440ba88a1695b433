package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.fiji.Printed;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A typo is refused before the long work (a folder read, the stack through the model), and the long steps
 * report progress and stop when asked: Concept Graph, Concept Discovery, SRD and Concept Localization as a
 * user runs them on the IHC stain model. SRD warns about an image far from the model's domain, as every
 * other image command does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EarlyChecksAndStopsTest {

	@TempDir
	static Path work;

	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Path folder;
	private ImagePlus patches;

	@BeforeAll
	void images() throws Exception {
		patches = IJ.openImage(TestFiles.testImages().resolve("images/ihc-heldout-patches.tif").toString());
		folder = Files.createDirectories(work.resolve("folder"));
		for (int i = 1; i <= 3; i++) {
			assertTrue(IJ.saveAsTiff(new ImagePlus("p" + i, patches.getStack().getProcessor(i).duplicate()), folder.resolve("p" + i + ".tif").toString()));
		}
	}

	/** Every report, as "message done/total". */
	private static Progress recording(List<String> reports) {
		return (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return true;
		};
	}

	@Test
	void conceptGraphRefusesAMistypedLayerOrClassBeforeReadingTheFolder() {
		ConceptGraphSettings s = new ConceptGraphSettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("graph-out");
		s.layers = "conv2/relu,conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException layer = assertThrows(IllegalArgumentException.class, () -> ConceptGraphRun.run(null, s, recording(reports)));
		assertTrue(layer.getMessage().startsWith("Unknown layer 'conv9'"), layer.getMessage());
		s.layers = "conv2/relu";
		s.scope = ConceptGraphSettings.SCOPE_CLASS;
		s.target = "DAB-positve";
		IllegalArgumentException target = assertThrows(IllegalArgumentException.class, () -> ConceptGraphRun.run(null, s, recording(reports)));
		assertTrue(target.getMessage().contains("DAB-positve"), target.getMessage());
		assertEquals(List.of(), reports, "no image read");
		assertFalse(Files.exists(s.saveDir));
	}

	@Test
	void conceptGraphStopsBetweenTheImagesMaps() {
		ConceptGraphSettings s = new ConceptGraphSettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("graph-stopped");
		s.layers = "conv2/relu,conv3/relu";
		s.scope = ConceptGraphSettings.SCOPE_CLASS;
		s.concepts = 2;
		s.samples = 50;
		s.steps = 4;
		s.examples = 2;
		List<String> reports = new ArrayList<>();
		assertThrows(CancellationException.class, () -> ConceptGraphRun.run(null, s, (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return !(message.equals("concept maps") && done == 1);
		}));
		assertTrue(reports.containsAll(List.of("concept maps 0/3", "concept maps 1/3")), reports.toString());
		assertFalse(reports.contains("concept maps 2/3"), reports.toString());
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}

	@Test
	void conceptDiscoveryRefusesAMistypedLayerOrClassBeforeReadingTheFolder() {
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = model;
		s.folder = folder;
		s.saveDir = work.resolve("discovery-out");
		s.layer = "conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException layer = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(null, s, recording(reports)));
		assertTrue(layer.getMessage().startsWith("Unknown layer 'conv9'. Layers of this model:"), layer.getMessage());
		s.layer = "";
		s.target = "DAB-positve";
		IllegalArgumentException target = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.run(null, s, recording(reports)));
		assertTrue(target.getMessage().contains("DAB-positve"), target.getMessage());
		s.perClass = true;
		IllegalArgumentException perClass = assertThrows(IllegalArgumentException.class, () -> ConceptDiscoveryRun.perClass(s, recording(reports)));
		assertEquals(target.getMessage(), perClass.getMessage());
		assertEquals(List.of(), reports, "no image read");
	}

	@Test
	void srdRefusesAMistypedStartLayerBeforeTheStackGoesThroughTheModel() {
		SharingRatioSettings s = new SharingRatioSettings();
		s.model = model;
		s.startLayer = "conv9";
		List<String> reports = new ArrayList<>();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharingRatioRun.run(patches, s, recording(reports)));
		assertTrue(e.getMessage().startsWith("The start layer 'conv9' is not on the path from the input to the logits; spatial layers on it: ["),
			e.getMessage());
		assertTrue(e.getMessage().contains("conv2/relu"), e.getMessage());
		assertEquals(List.of(), reports, "no slice decomposed");
	}

	@Test
	void srdWarnsAboutAnImageFarFromTheModelsDomain() {
		ij.process.ImageProcessor negative = patches.getStack().getProcessor(2).duplicate();
		negative.invert();
		SharingRatioSettings s = new SharingRatioSettings();
		s.model = model;
		s.erfLayer = "";
		String log = Printed.during(() -> {
			try {
				SharingRatioRun.run(new ImagePlus("negative", negative), s, Progress.NONE);
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
		assertTrue(log.contains("ConceptScope warning: The image 'negative' is far from what the model was trained on"), log);
	}

	@Test
	void conceptLocalizationOfALongStackStopsBetweenParts() throws Exception {
		ConceptDiscoverySettings d = new ConceptDiscoverySettings();
		d.model = model;
		d.concepts = 3;
		d.designs = 4;
		d.saveDir = work.resolve("bank");
		ConceptDiscoveryRun.run(patches, d, Progress.NONE);
		ImagePlus stack = IJ.openImage(TestFiles.cyclingStack(patches, 40, work.resolve("long.tif")).toString());
		ConceptLocalizationSettings s = new ConceptLocalizationSettings();
		s.model = model;
		s.concepts = d.saveDir.resolve(ConceptDiscoveryRun.BANK);
		s.saveDir = work.resolve("localization-out");
		List<String> reports = new ArrayList<>();
		assertThrows(CancellationException.class, () -> ConceptLocalizationRun.run(stack, s, (done, total, message) -> {
			reports.add(message + " " + done + "/" + total);
			return !(message.equals("concept maps") && done >= 16);
		}));
		assertEquals(List.of("concept maps 0/40", "concept maps 16/40"), reports);
		assertFalse(Files.exists(s.saveDir), "nothing written");
	}
}
