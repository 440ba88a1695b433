package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ConceptDiscoveryRun;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.display.ResultsDisplay;
import ij.ImagePlus;

import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Plugins &gt; ConceptScope &gt; Concept Discovery... as a SciJava command: CRAFT concepts of one
 * class, their importance and an atlas, from a stack or a folder of images. Parameter names are
 * the ImageJ 1.x plugin's macro keys; {@link ConceptDiscoveryRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Discovery...", headless = true,
	description = "CRAFT concepts of one class, their importance and an atlas of examples")
public class ConceptDiscoveryCommand extends CommandInputs.ConceptDiscovery {

	@Parameter(label = "Atlas", type = ItemIO.OUTPUT)
	private ImagePlus atlas;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Discovery", log, ui, this::cancel, progress -> {
			ConceptDiscoverySettings s = settings();
			if (s.perClass) {
				ConceptDiscoveryRun.PerClass r = ConceptDiscoveryRun.perClass(s, progress);
				progress.finished(ConceptDiscoveryRun.summary(r) + " Results in " + s.saveDir + ".");
				return;
			}
			ConceptDiscoveryRun.Result r = ConceptDiscoveryRun.run(image, s, progress);
			atlas = r.atlas();
			if (ResultsDisplay.interactive()) {
				r.plot().show();
				if (r.holistic() != null) {
					if (r.holistic().maps() != null) r.holistic().maps().show();
					r.holistic().importanceMaps().show();
				}
			}
			ResultsDisplay.showTable(r.table(), "Concept importance", true);
			if (r.holistic() != null) ResultsDisplay.showTable(r.holisticTable(), "Holistic concepts", false);
			progress.finished(r.bank().size() + " concept(s) of " + r.bank().className + ".");
		});
	}

	ConceptDiscoverySettings settings() {
		return ConceptDiscoverySettings.of(CommandSpecs.CONCEPT_DISCOVERY.inputs(inputs()));
	}
}
