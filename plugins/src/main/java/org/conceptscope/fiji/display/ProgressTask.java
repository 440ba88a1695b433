package org.conceptscope.fiji.display;

import java.io.IOException;

/** The work of one ConceptScope command, reporting to the status and progress bar. */
@FunctionalInterface
public interface ProgressTask {

	void run(ImageJProgress progress) throws IOException;
}
