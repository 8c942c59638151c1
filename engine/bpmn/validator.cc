#include "engine/bpmn/validator.h"

#include <set>
#include <string>
#include <vector>

namespace waggle::bpmn {
namespace {

class Validator {
 public:
  Validator(const Process& process, ProblemList* problems)
      : process_(process), problems_(problems) {}

  void Run() {
    ValidateProcessStart();
    ValidateUniqueMessageNames(StartEvents(process_.children));
    ValidateStartMessageNames(process_.children);
    for (ElementIndex index = 0; index < process_.elements.size(); ++index) {
      ValidateElement(index);
    }
  }

 private:
  const Element& At(ElementIndex index) const { return process_.elements[index]; }

  void Problem(const Element& element, const std::string& detail) {
    problems_->Add(element.id, Describe(element) + ": " + detail);
  }

  std::vector<ElementIndex> StartEvents(const std::vector<ElementIndex>& children) const {
    std::vector<ElementIndex> starts;
    for (ElementIndex child : children) {
      if (At(child).type == ElementType::kStartEvent) starts.push_back(child);
    }
    return starts;
  }

  static std::string IdList(const std::vector<std::string>& ids) {
    std::string list;
    for (const std::string& id : ids) list += (list.empty() ? "'" : ", '") + id + "'";
    return list;
  }

  // A process needs a start event; CreateProcessInstance needs at most one
  // none start event to choose from. Message and timer starts may be many.
  void ValidateProcessStart() {
    std::vector<ElementIndex> starts = StartEvents(process_.children);
    std::string described = "process '" + process_.id + "'";
    if (starts.empty()) {
      problems_->Add(process_.id, described + ": no start event");
      return;
    }
    std::vector<std::string> none_starts;
    for (ElementIndex start : starts) {
      if (At(start).event_kind == EventKind::kNone) none_starts.push_back(At(start).id);
    }
    if (none_starts.size() > 1) {
      problems_->Add(process_.id,
                     described + ": more than one none start event (" + IdList(none_starts) + ")");
    }
  }

  // Zeebe correlates a message to one catch event per group of
  // alternatives, so static names must differ within a group.
  void ValidateUniqueMessageNames(const std::vector<ElementIndex>& events) {
    std::set<std::string> names;
    for (ElementIndex index : events) {
      const Element& event = At(index);
      if (!event.message || event.message->name.is_expression()) continue;
      if (!names.insert(event.message->name.text).second) {
        Problem(event, "multiple message event definitions with the same name '" +
                           event.message->name.text + "' are not allowed");
      }
    }
  }

  // The message start events of the process, and the message starts of the
  // event sub-processes of each scope.
  void ValidateStartMessageNames(const std::vector<ElementIndex>& children) {
    std::vector<ElementIndex> event_sub_process_starts;
    for (ElementIndex child : children) {
      if (At(child).type != ElementType::kEventSubProcess) continue;
      for (ElementIndex start : StartEvents(At(child).children)) {
        event_sub_process_starts.push_back(start);
      }
    }
    ValidateUniqueMessageNames(event_sub_process_starts);
  }

  void ValidateElement(ElementIndex index) {
    const Element& element = At(index);
    ValidateUniqueMessageNames(element.boundary_events);
    if (!element.children.empty()) ValidateStartMessageNames(element.children);
    switch (element.type) {
      case ElementType::kStartEvent:
        if (!element.incoming.empty()) Problem(element, "must not have incoming sequence flows");
        break;
      case ElementType::kEndEvent:
        if (!element.outgoing.empty()) Problem(element, "must not have outgoing sequence flows");
        break;
      case ElementType::kBoundaryEvent: ValidateBoundaryEvent(element); break;
      case ElementType::kExclusiveGateway:
      case ElementType::kInclusiveGateway: ValidateConditions(element); break;
      case ElementType::kEventBasedGateway: ValidateEventBasedGateway(element); break;
      case ElementType::kSubProcess: ValidateEmbeddedSubProcess(element); break;
      case ElementType::kEventSubProcess: ValidateEventSubProcess(element); break;
      default: break;
    }
  }

  void ValidateBoundaryEvent(const Element& element) {
    if (!element.incoming.empty()) Problem(element, "must not have incoming sequence flows");
    if (element.outgoing.empty() && element.event_kind != EventKind::kCompensation) {
      Problem(element, "must have at least one outgoing sequence flow");
    }
    if (element.event_kind == EventKind::kError && !element.interrupting) {
      Problem(element, "error boundary events must be interrupting (cancelActivity)");
    }
  }

  // With several outgoing flows, each one is chosen by its condition or is
  // the default flow.
  void ValidateConditions(const Element& gateway) {
    if (gateway.outgoing.size() < 2) return;
    for (FlowIndex index : gateway.outgoing) {
      const SequenceFlow& flow = process_.flows[index];
      if (!flow.condition && !flow.is_default) {
        Problem(gateway, "flow '" + flow.id + "' has no condition and is not the default flow");
      }
    }
  }

  void ValidateEventBasedGateway(const Element& gateway) {
    if (gateway.outgoing.size() < 2) {
      Problem(gateway, "must have at least two outgoing sequence flows");
    }
    std::vector<ElementIndex> targets;
    for (FlowIndex index : gateway.outgoing) targets.push_back(process_.flows[index].target);
    ValidateUniqueMessageNames(targets);
    for (FlowIndex index : gateway.outgoing) {
      const SequenceFlow& flow = process_.flows[index];
      const Element& target = At(flow.target);
      if (flow.condition) Problem(gateway, "flow '" + flow.id + "' must not have a condition");
      bool catch_event =
          target.type == ElementType::kIntermediateCatchEvent &&
          (target.event_kind == EventKind::kMessage || target.event_kind == EventKind::kTimer ||
           target.event_kind == EventKind::kSignal);
      if (!catch_event) {
        Problem(gateway, "flow '" + flow.id + "' leads to '" + target.id +
                             "', which is not an intermediate message, timer or signal catch "
                             "event");
      }
    }
  }

  void ValidateEmbeddedSubProcess(const Element& sub_process) {
    int none_starts = 0;
    for (ElementIndex start : StartEvents(sub_process.children)) {
      if (At(start).event_kind == EventKind::kNone) {
        ++none_starts;
      } else {
        Problem(At(start), "an embedded sub-process can only start with a none start event");
      }
    }
    if (none_starts != 1) {
      Problem(sub_process,
              "must have exactly one none start event (has " + std::to_string(none_starts) + ")");
    }
  }

  void ValidateEventSubProcess(const Element& sub_process) {
    std::string described = "event sub-process '" + sub_process.id + "'";
    if (!sub_process.incoming.empty() || !sub_process.outgoing.empty()) {
      problems_->Add(sub_process.id, described +
                                         ": must not have incoming or outgoing sequence "
                                         "flows");
    }
    std::vector<ElementIndex> starts = StartEvents(sub_process.children);
    if (starts.size() != 1) {
      problems_->Add(sub_process.id, described + ": must have exactly one start event (has " +
                                         std::to_string(starts.size()) + ")");
    }
    for (ElementIndex start : starts) {
      if (At(start).event_kind == EventKind::kNone) {
        Problem(At(start), "the start event of an event sub-process needs an event definition");
      }
      if (At(start).event_kind == EventKind::kError && !At(start).interrupting) {
        Problem(At(start), "error start events must be interrupting (isInterrupting)");
      }
    }
  }

  const Process& process_;
  ProblemList* problems_;
};

}  // namespace

void ValidateProcess(const Process& process, ProblemList* problems) {
  Validator(process, problems).Run();
}

}  // namespace waggle::bpmn
