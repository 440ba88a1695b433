package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ConceptGraphDisplay;
import org.conceptscope.fiji.run.ConceptGraphRun;
import org.conceptscope.fiji.run.ConceptGraphSettings;
import ij.ImagePlus;

import java.nio.file.Path;

import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Plugins &gt; ConceptScope &gt; Concept Graph... as a SciJava command: PFV concepts of one class at
 * several layers, the GIG concept graph to the class, ERF montages and per-image concept maps,
 * from a stack or a folder of images. {@link ConceptGraphRun} does the work; parameter names are
 * the ImageJ 1.x macro keys.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Graph...", headless = true,
	description = "PFV concept vectors at several layers, their GIG concept graph to the class, ERF montages and concept maps")
public class ConceptGraphCommand extends CommandInputs.ConceptGraph {

	@Parameter(label = "Concept graph", type = ItemIO.OUTPUT)
	private ImagePlus graph;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Graph", log, ui, this::cancel, progress -> {
			ConceptGraphSettings s = settings();
			ConceptGraphRun.Result r = ConceptGraphRun.run(image, s, progress);
			graph = r.picture();
			ConceptGraphDisplay.show(r, s.saveDir != null);
			progress.finished(r.graph().edges().size() + " edge(s) between " + r.graph().banks().size() + " layer(s) and the class.");
		});
	}

	ConceptGraphSettings settings() {
		return ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.inputs(inputs()));
	}
}
