#include "engine/bpmn/xml_names.h"

#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace waggle::bpmn {
namespace {

// Prefix bindings in scope while walking the tree: one stack of namespace
// URIs per prefix ("" for the default namespace), so a lookup costs O(1)
// however many declarations the ancestors carry.
class NamespaceScopes {
 public:
  void Enter(pugi::xml_node element, int depth) {
    for (pugi::xml_attribute attribute : element.attributes()) {
      std::string_view name = attribute.name();
      std::string prefix;
      if (name == "xmlns") {
        prefix = "";
      } else if (name.starts_with("xmlns:")) {
        prefix = std::string(name.substr(6));
      } else {
        continue;
      }
      bindings_[prefix].push_back(attribute.value());
      declared_.emplace_back(depth, std::move(prefix));
    }
  }

  void Leave(int depth) {
    while (!declared_.empty() && declared_.back().first == depth) {
      bindings_[declared_.back().second].pop_back();
      declared_.pop_back();
    }
  }

  std::string_view Resolve(std::string_view prefix) {
    auto it = bindings_.find(std::string(prefix));
    if (it == bindings_.end() || it->second.empty()) return {};
    return it->second.back();
  }

 private:
  std::unordered_map<std::string, std::vector<std::string_view>> bindings_;
  std::vector<std::pair<int, std::string>> declared_;
};

void Rename(pugi::xml_node element, NamespaceScopes& scopes) {
  std::string_view name = element.name();
  size_t colon = name.find(':');
  std::string_view prefix = colon == std::string_view::npos ? "" : name.substr(0, colon);
  std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
  std::string_view uri = scopes.Resolve(prefix);
  std::string renamed;
  if (uri == kBpmnNamespace) {
    renamed = "bpmn:" + std::string(local);
  } else if (uri == kZeebeNamespace) {
    renamed = "zeebe:" + std::string(local);
  } else {
    renamed = "#" + std::string(name);
  }
  element.set_name(renamed.c_str());
}

}  // namespace

Status NormalizeNames(pugi::xml_document& document, int max_depth) {
  NamespaceScopes scopes;
  // Iterative pre-order walk: depth is bounded by max_depth, not the stack.
  int depth = 0;
  pugi::xml_node node = document.first_child();
  while (node) {
    bool is_element = node.type() == pugi::node_element;
    if (is_element) {
      ++depth;
      if (depth > max_depth) {
        return Status::InvalidArgument("elements nest deeper than " + std::to_string(max_depth) +
                                       " levels");
      }
      scopes.Enter(node, depth);
      Rename(node, scopes);
      if (node.first_child()) {
        node = node.first_child();
        continue;
      }
    }
    // Leave this node and every ancestor that has no next sibling.
    while (node) {
      if (node.type() == pugi::node_element) {
        scopes.Leave(depth);
        --depth;
      }
      if (node.next_sibling()) {
        node = node.next_sibling();
        break;
      }
      node = node.parent();
      if (node == document) node = pugi::xml_node();
    }
  }
  return Status::OK();
}

std::string_view BpmnLocalName(pugi::xml_node node) {
  std::string_view name = node.name();
  if (node.type() != pugi::node_element || !name.starts_with("bpmn:")) return {};
  return name.substr(5);
}

}  // namespace waggle::bpmn
